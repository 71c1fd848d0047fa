// Fuzzes SseParser and OpenAiStreamRelay with arbitrary bytes split at
// fuzzer-chosen points. The first bytes of the input choose the split sizes,
// the event bound and whether the client asked for usage. Invariants: the
// events (and the relay's output and usage) do not depend on how the bytes
// were split, unless the size bound fired; output stays proportional to input.
// Links sy_providers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "api/sse.h"
#include "providers/openai/stream.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// Piece sizes cycle through `splits` (1..256 bytes each); empty = one piece.
std::vector<std::string_view> pieces(std::string_view input, std::string_view splits) {
  std::vector<std::string_view> out;
  if (splits.empty()) {
    out.push_back(input);
    return out;
  }
  std::size_t pos = 0, k = 0;
  while (pos < input.size()) {
    std::size_t n = 1 + static_cast<unsigned char>(splits[k++ % splits.size()]);
    n = std::min(n, input.size() - pos);
    out.push_back(input.substr(pos, n));
    pos += n;
  }
  return out;
}

struct ParseResult {
  std::vector<std::pair<std::string, std::string>> events;
  bool too_large = false;
};

ParseResult parse_events(const std::vector<std::string_view>& parts, std::size_t max_event) {
  sy::api::SseParser parser(max_event);
  ParseResult r;
  sy::api::SseEvent ev;
  for (std::string_view part : parts) {
    parser.feed(part);
    for (;;) {
      auto st = parser.next(ev);
      if (st == sy::api::SseParser::Status::kNeedMore) break;
      if (st == sy::api::SseParser::Status::kTooLarge) {
        r.too_large = true;
        return r;
      }
      check(ev.data.size() <= max_event);
      r.events.emplace_back(ev.event, ev.data);
    }
  }
  return r;
}

struct RelayResult {
  std::string out;
  bool ok = true;
  sy::api::Usage usage;
};

RelayResult relay(const std::vector<std::string_view>& parts, bool wants_usage) {
  sy::providers::openai::OpenAiStreamRelay relay(wants_usage);
  RelayResult r;
  for (std::string_view part : parts) {
    if (!relay.feed(part, r.out)) {
      r.ok = false;
      break;
    }
  }
  if (r.ok) r.ok = relay.finish(r.out).has_value();
  r.usage = relay.usage();
  check(relay.started() == !r.out.empty());
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const bool wants_usage = data[0] & 1;
  const std::size_t max_event = 16 + data[0] * 8;
  const std::size_t split_len = data[1] % 8;
  if (size < 2 + split_len) return 0;
  std::string_view splits(reinterpret_cast<const char*>(data) + 2, split_len);
  std::string_view input(reinterpret_cast<const char*>(data) + 2 + split_len,
                         size - 2 - split_len);

  const auto whole = pieces(input, {});
  const auto split = pieces(input, splits);

  ParseResult a = parse_events(whole, max_event);
  ParseResult b = parse_events(split, max_event);
  if (!a.too_large && !b.too_large) check(a.events == b.events);

  RelayResult x = relay(whole, wants_usage);
  RelayResult y = relay(split, wants_usage);
  // "data: " + "\n\n" framing per event; events need at least "data\n\n".
  check(x.out.size() <= 8 + input.size() * 2);
  if (x.ok && y.ok) {
    check(x.out == y.out);
    check(x.usage.known == y.usage.known);
    check(x.usage.prompt_tokens == y.usage.prompt_tokens);
    check(x.usage.completion_tokens == y.usage.completion_tokens);
  }
  return 0;
}
