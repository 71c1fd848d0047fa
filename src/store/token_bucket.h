// A token bucket for per-minute limits: capacity = the limit, refilled
// continuously at limit/60 s. Equivalent to GCRA, and chosen over windows
// because it keeps O(1) state per key (level, last update), has no
// fixed-window boundary bursts, admits exactly `limit` in a burst from full,
// gives exact Retry-After and reset times from simple arithmetic, and is a
// few lines of Lua for the Redis backend. The level may go negative when a
// settled request used more tokens than estimated (debt delays later requests).
// Not thread-safe: the owner serializes access.
#pragma once

#include <cstdint>

namespace sy::store {

class TokenBucket {
 public:
  // Brings the bucket to `now_ms` under `limit` per minute (a changed limit
  // takes effect here; the level is clamped to the new capacity).
  void refill(int64_t limit, int64_t now_ms);
  bool try_take(int64_t amount);
  // Adds (or, when negative, removes) tokens, never above capacity.
  void adjust(int64_t delta);

  int64_t remaining() const;               // whole tokens available now, >= 0
  int64_t ms_until(int64_t amount) const;  // until `amount` is available; -1 if never
  int64_t ms_until_full() const;

 private:
  double rate_per_ms() const { return static_cast<double>(limit_) / 60'000.0; }
  int64_t limit_ = 0;
  double level_ = 0;
  int64_t last_ms_ = 0;
  bool started_ = false;
};

}  // namespace sy::store
