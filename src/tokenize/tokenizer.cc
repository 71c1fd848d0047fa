#include "tokenize/tokenizer.h"

#include "tokenize/bpe.h"
#include "tokenize/pretokenizer.h"
#include "tokenize/rank_data.h"
#include "tokenize/rank_table.h"

namespace sy::tokenize {

class Tokenizer::Impl {
 public:
  Impl(std::span<const uint8_t> rank_data, std::string_view name, std::string_view pattern)
      : ranks(rank_data, name), pretokenizer(pattern) {}

  RankTable ranks;
  Pretokenizer pretokenizer;
};

namespace {

std::unique_ptr<const Tokenizer::Impl> make_impl(Encoding encoding) {
  switch (encoding) {
    case Encoding::kCl100kBase:
      return std::make_unique<const Tokenizer::Impl>(
          cl100k_base_rank_data(), encoding_name(encoding), cl100k_base_pattern());
    case Encoding::kO200kBase:
      break;
  }
  return std::make_unique<const Tokenizer::Impl>(
      o200k_base_rank_data(), encoding_name(Encoding::kO200kBase), o200k_base_pattern());
}

}  // namespace

std::string_view encoding_name(Encoding encoding) {
  switch (encoding) {
    case Encoding::kCl100kBase:
      return "cl100k_base";
    case Encoding::kO200kBase:
      break;
  }
  return "o200k_base";
}

Tokenizer::Tokenizer(Encoding encoding) : encoding_(encoding), impl_(make_impl(encoding)) {}

Tokenizer::~Tokenizer() = default;

size_t Tokenizer::count(std::string_view text) const {
  size_t total = 0;
  impl_->pretokenizer.for_each_piece(
      text, [&](std::string_view piece) { total += bpe_count(impl_->ranks, piece); });
  return total;
}

void Tokenizer::encode_into(std::string_view text, std::vector<uint32_t>& out) const {
  impl_->pretokenizer.for_each_piece(
      text, [&](std::string_view piece) { bpe_encode(impl_->ranks, piece, out); });
}

std::vector<uint32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<uint32_t> out;
  encode_into(text, out);
  return out;
}

const Tokenizer& tokenizer(Encoding encoding) {
  // Never destroyed, so threads still counting during exit cannot see a dead object.
  switch (encoding) {
    case Encoding::kCl100kBase: {
      static const Tokenizer* const cl100k = new Tokenizer(Encoding::kCl100kBase);
      return *cl100k;
    }
    case Encoding::kO200kBase:
      break;
  }
  static const Tokenizer* const o200k = new Tokenizer(Encoding::kO200kBase);
  return *o200k;
}

size_t estimate(std::string_view model, std::string_view text) {
  return tokenizer(encoding_for_model(model)).count(text);
}

}  // namespace sy::tokenize
