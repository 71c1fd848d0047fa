// Retry policy: which failures are retried, how long to wait before retrying
// the same deployment, and parsers for the upstream's wait hints.
//
// Backoff ("full jitter"): retry n (n = 0 for the first retry) waits
//   U(0, min(max_delay, base_delay * 2^n))
// and never less than the upstream's hint (Retry-After, retry-after-ms,
// x-ratelimit-reset-*). A wait that would end after the deadline means "give
// up on this deployment" (nullopt).
//
// Never retried: kClientError (400/404/422), kAuth (401/403), kContextLength,
// kContentPolicy (those two go to their fallbacks instead), kNone.
//
// Thread safety: RetryPolicy is immutable; the Rng passed in is the caller's.
// The parsers are pure functions. No exceptions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "providers/adapter.h"
#include "routing/clock.h"
#include "routing/options.h"
#include "routing/rng.h"

namespace sy::routing {

// Hints are clamped to this (a bogus "Retry-After: 99999999" must not park
// a deployment for years).
inline constexpr Nanos kMaxHint = std::chrono::hours(1);

class RetryPolicy {
 public:
  explicit RetryPolicy(const RetryOptions& options) : options_(options) {}

  static bool retryable(providers::ErrorClass cls) { return providers::retryable(cls); }

  // Wait before retry number `attempt` (0-based) of the same deployment after
  // `error`; `hint` is the parsed upstream wait (nullopt if none);
  // `remaining` is the time left before the request's deadline.
  // nullopt: do not retry (not retryable, attempts exhausted, or the wait
  // would pass the deadline).
  std::optional<Nanos> next_delay(int attempt, providers::ErrorClass error,
                                  std::optional<Nanos> hint, Rng& rng,
                                  Nanos remaining = Nanos::max()) const;

  // The backoff ceiling for retry `attempt`: min(max_delay, base * 2^attempt).
  Nanos ceiling(int attempt) const;
  const RetryOptions& options() const { return options_; }

 private:
  RetryOptions options_;
};

// Retry-After: delay-seconds ("120", also "1.5") or an HTTP-date
// ("Sun, 06 Nov 1994 08:49:37 GMT", IMF-fixdate) relative to now_unix.
// A date in the past gives 0. nullopt when malformed. Clamped to kMaxHint.
std::optional<Nanos> parse_retry_after(std::string_view value, int64_t now_unix);
// retry-after-ms (OpenAI, Azure): milliseconds, possibly fractional.
std::optional<Nanos> parse_retry_after_ms(std::string_view value);
// x-ratelimit-reset-requests / -tokens (OpenAI): Go-style durations "1s",
// "6m0s", "250ms", "1h2m3.5s", "20us"; also a bare number of seconds, and an
// RFC 3339 timestamp ("2024-05-01T12:00:30Z", Anthropic's
// anthropic-ratelimit-*-reset) relative to now_unix. Clamped to kMaxHint.
std::optional<Nanos> parse_reset(std::string_view value, int64_t now_unix);

// The raw wait hints of one failed answer (header values, empty if absent).
struct RetryHints {
  std::string_view retry_after;     // Retry-After
  std::string_view retry_after_ms;  // retry-after-ms
  std::string_view
      reset_requests;             // x-ratelimit-reset-requests / anthropic-ratelimit-requests-reset
  std::string_view reset_tokens;  // x-ratelimit-reset-tokens / anthropic-ratelimit-tokens-reset
};
// The wait the hints ask for: Retry-After (or retry-after-ms) when present,
// otherwise, for a 429, the sooner of the two reset headers (the earliest
// moment a retry can succeed). nullopt if none.
std::optional<Nanos> wait_hint(const RetryHints& hints, providers::ErrorClass cls,
                               int64_t now_unix);

}  // namespace sy::routing
