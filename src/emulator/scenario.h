// Scenarios script the emulator's behaviour per request. A scenario string is
// a list of key=value pairs separated by ',' or ';' (see parse_scenario for
// the keys). It comes from the `x-emulator-scenario` header and/or a path
// prefix `/_s/<scenario>/`; both may be present (the header's keys win).
// ScenarioCounters implements `times=N` (faults only for the first N requests
// of one scenario string) and is thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace sy::emulator {

enum class FinishOverride { kNone, kLength, kContentFilter, kStopSequence };

struct Scenario {
  std::string text;                // the scenario string as received (counter key)
  int latency_ms = 0;              // delay before response headers
  int ttft_ms = 0;                 // stream: delay before the first chunk
  int gap_ms = 0;                  // stream: delay between chunks
  std::optional<int> tokens;       // completion length in tokens (words)
  int status = 0;                  // respond with this error status (0 = no)
  std::optional<int> retry_after;  // seconds, adds Retry-After
  std::optional<int> reset_ms;     // adds the provider's rate-limit reset header (errors only)
  std::optional<int> times;        // faults only for the first N requests
  std::optional<int> every;        // faults only for every Nth request (N, 2N, ...)
  bool hang = false;               // never answer
  std::optional<int> drop_after;   // stream: close abruptly after N chunks
  bool malformed = false;          // 200 with broken JSON / SSE
  std::optional<int> error_event;  // stream: error event after N chunks
  bool tool = false;               // force a tool call when tools are offered
  FinishOverride finish = FinishOverride::kNone;
  bool context = false;  // context-length error in the native shape
  std::string tag;       // no behaviour; distinguishes counters

  // Faults are status, context, hang, drop_after, malformed and error_event;
  // `times` and `every` gate only these. Timing and shape keys always apply.
  bool has_faults() const {
    return status != 0 || context || hang || drop_after || malformed || error_event;
  }
};

// Parses `text` (already percent-decoded). Returns false and sets `error` on
// an unknown key or a value out of range. Empty text is the empty scenario.
bool parse_scenario(std::string_view text, Scenario& out, std::string& error);

// Strips a leading "/_s/<scenario>" from `path` (percent-decoding the
// scenario segment). Returns the scenario text, or "" when absent.
std::string take_path_scenario(std::string& path);

// Percent-decodes `s` ('+' is kept as is).
std::string percent_decode(std::string_view s);

class ScenarioCounters {
 public:
  // Counts one more request of `key` and returns its 1-based ordinal.
  int64_t next(const std::string& key);
  void reset();

 private:
  std::mutex mu_;
  std::map<std::string, int64_t, std::less<>> counts_;
};

}  // namespace sy::emulator
