// Fuzzes the AWS event-stream decoder and the Bedrock ConverseStream
// transcoder with arbitrary bytes in input-chosen splits. The first byte
// picks the split size; half the inputs are wrapped as valid frames first so
// the transcoder's JSON handling is reached past the CRC checks.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "providers/bedrock/event_stream.h"
#include "providers/bedrock/stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sy::providers::bedrock;
  if (size < 2) return 0;
  const std::size_t step = 1 + data[0] % 64;
  const bool wrap = data[1] & 1;
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::string body;
  if (wrap) {
    static constexpr std::string_view kTypes[] = {"messageStart",      "contentBlockStart",
                                                  "contentBlockDelta", "contentBlockStop",
                                                  "messageStop",       "metadata"};
    // Split the rest on '\n'; each piece becomes one event payload.
    std::size_t n = 0, start = 0;
    while (start <= rest.size()) {
      std::size_t nl = rest.find('\n', start);
      if (nl == std::string_view::npos) nl = rest.size();
      body += encode_converse_event(kTypes[n++ % 6], rest.substr(start, nl - start));
      start = nl + 1;
    }
  } else {
    body.assign(rest);
  }

  EventStreamDecoder decoder(1 << 16);
  EventMessage msg;
  for (std::size_t i = 0; i < body.size(); i += step) {
    decoder.feed(std::string_view(body).substr(i, step));
    while (decoder.next(msg) == EventStreamDecoder::Status::kMessage) {
    }
  }

  BedrockStreamTranscoder t("fuzz-model", /*client_wants_usage=*/true,
                            sy::providers::default_id_source());
  std::string out;
  bool ok = true;
  for (std::size_t i = 0; i < body.size() && ok; i += step) {
    ok = t.feed(std::string_view(body).substr(i, step), out).has_value();
    if (out.size() > (1u << 20)) out.clear();
  }
  if (ok) (void)t.finish(out);
  return 0;
}
