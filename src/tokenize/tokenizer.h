// Exact OpenAI token counting: tiktoken-compatible byte-pair encoding with the o200k_base and
// cl100k_base vocabularies (rank tables from the js-tiktoken npm package, embedded at build
// time; see CMakeLists.txt).
//
// Contract:
// - tokenizer(Encoding) builds each encoding once, lazily, on first use (tens of
//   milliseconds; thread-safe), and returns an immutable object that lives for the program.
//   All Tokenizer methods are const and safe to call from any number of threads at once.
// - count/encode treat the input as ordinary text: special tokens such as "<|endoftext|>"
//   are encoded as the characters they are made of (tiktoken's encode_ordinary).
// - Any byte string is accepted. Valid UTF-8 gives exactly tiktoken's result; bytes that are
//   not valid UTF-8 are merged as pieces of their own (tiktoken cannot take such input).
// - No exceptions, no errors, no logging of the text.
// - Non-OpenAI models have no public tokenizer here: estimate() counts them with the
//   encoding encoding_for_model() picks (o200k_base for unknown names), an estimate only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace sy::tokenize {

enum class Encoding {
  kO200kBase,   // gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1, o3, o4 families; the default
  kCl100kBase,  // gpt-4 (not 4o/4.x), gpt-3.5-turbo, text-embedding-3/ada-002
};

std::string_view encoding_name(Encoding encoding);  // "o200k_base", "cl100k_base"

// Maps an OpenAI model name (optionally "openai/..." or "ft:..." prefixed) to its encoding.
// Unknown names (including other vendors' models) give kO200kBase.
Encoding encoding_for_model(std::string_view model);

class Tokenizer {
 public:
  class Impl;
  explicit Tokenizer(Encoding encoding);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  Encoding encoding() const { return encoding_; }

  // Number of tokens `text` encodes to. Equal to encode(text).size(), without allocating.
  size_t count(std::string_view text) const;

  // Token ids of `text`.
  std::vector<uint32_t> encode(std::string_view text) const;
  void encode_into(std::string_view text, std::vector<uint32_t>& out) const;  // appends

 private:
  Encoding encoding_;
  std::unique_ptr<const Impl> impl_;
};

// The shared tokenizer of an encoding (see the contract above).
const Tokenizer& tokenizer(Encoding encoding);

// Token count of `text` for `model`: exact for OpenAI models, an estimate for others.
size_t estimate(std::string_view model, std::string_view text);

}  // namespace sy::tokenize
