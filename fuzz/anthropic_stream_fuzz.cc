// Fuzzes the Anthropic stream transcoders with untrusted bytes split at
// fuzzer-chosen points: Anthropic SSE → OpenAI chunks (adapter direction),
// its output and the raw input → Anthropic SSE (inbound direction). Checks
// that nothing crashes and that output stays proportional to input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "providers/anthropic/inbound.h"
#include "providers/anthropic/stream.h"

namespace {

// Feeds `input` to `sink` in pieces whose sizes come from `splits` (cycled).
template <class Sink>
void feed_split(std::string_view input, std::string_view splits, Sink&& sink) {
  std::size_t pos = 0, k = 0;
  while (pos < input.size()) {
    std::size_t n = 1;
    if (!splits.empty()) n = 1 + static_cast<unsigned char>(splits[k++ % splits.size()]);
    n = std::min(n, input.size() - pos);
    if (!sink(input.substr(pos, n))) return;
    pos += n;
  }
}

void check_bounded(std::size_t in, std::size_t out) {
  // Each input event costs at least a few bytes and yields at most a few
  // hundred bytes of output (plus the fixed closing events).
  if (out > 512 * in + 8192) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t nsplits = std::min<std::size_t>(data[0] % 16, size - 1);
  std::string_view splits(reinterpret_cast<const char*>(data + 1), nsplits);
  std::string_view input(reinterpret_cast<const char*>(data + 1 + nsplits), size - 1 - nsplits);

  using sy::providers::anthropic::AnthropicStreamTranscoder;
  using sy::providers::anthropic::OpenAiToAnthropicStream;

  AnthropicStreamTranscoder to_openai("fuzz-model", 1);
  std::string openai;
  feed_split(input, splits,
             [&](std::string_view piece) { return to_openai.feed(piece, openai).has_value(); });
  (void)to_openai.finish(openai);
  (void)to_openai.usage();
  check_bounded(input.size(), openai.size());

  OpenAiToAnthropicStream chained("msg_fuzz", "fuzz-model");
  std::string anthropic;
  feed_split(openai, splits,
             [&](std::string_view piece) { return chained.feed(piece, anthropic).has_value(); });
  (void)chained.finish(anthropic);
  check_bounded(openai.size(), anthropic.size());

  OpenAiToAnthropicStream raw("msg_fuzz", "fuzz-model");
  std::string raw_out;
  feed_split(input, splits,
             [&](std::string_view piece) { return raw.feed(piece, raw_out).has_value(); });
  (void)raw.finish(raw_out);
  check_bounded(input.size(), raw_out.size());
  return 0;
}
