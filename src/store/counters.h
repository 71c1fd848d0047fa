// Counters: the live, fast-changing state governance needs per key — rate
// limits (requests and tokens per minute), in-flight requests, and budget and
// credit reservations. In memory for one instance (MemoryCounters); on Redis
// when replicas must agree (issue 6).
//
// Contract:
// - admit() checks every limit and, only when all pass, atomically takes one
//   request, the estimated tokens, one parallel slot and a reservation of the
//   worst-case cost against the budget and the credits. It never admits a
//   reservation that would let spent + reserved exceed the budget or reserved
//   exceed the credits, whatever the concurrency.
// - settle() turns a reservation into the actual charge (and returns unused
//   estimated tokens to the token limit); release() drops it without charge.
//   Both are idempotent: the first call for a reservation wins, later calls
//   return false and change nothing.
// - The per-key balances (spent, credits, period) are seeded from the durable
//   store the first time a key is seen (`seed` in AdmitRequest); later seeds
//   are ignored, since the counters then know better than the store (which
//   lags by the ledger's flush interval).
// - Thread-safety: every method may be called concurrently from any thread.
//   Implementations never hold a lock across I/O. This interface is
//   synchronous; a network backend implements AsyncCounters
//   (store/async_counters.h) and callers on the event loop go through it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/money.h"
#include "store/period.h"

namespace sy::store {

// Limits for one key, taken from its record at admission time (so a changed
// limit applies from the next request).
struct KeyLimits {
  int64_t rpm = 0;           // 0 = unlimited
  int64_t tpm = 0;           // 0 = unlimited
  int64_t max_parallel = 0;  // 0 = unlimited
  std::optional<Micros> budget;
  BudgetPeriod budget_period = BudgetPeriod::kNever;
};

// Durable balances, used only the first time the counters see the key.
struct BalanceSeed {
  int64_t period_start_ms = 0;
  Micros spent = 0;
  std::optional<Micros> credits;
};

struct AdmitRequest {
  std::string key_id;
  KeyLimits limits;
  BalanceSeed seed;
  int64_t estimated_tokens = 0;  // prompt estimate + max output tokens
  Micros worst_case_cost = 0;    // reserved against budget and credits
  int64_t now_ms = 0;
};

// State of one rate limit after the decision, for x-ratelimit-* headers.
struct LimitState {
  int64_t limit = 0;      // 0 = no such limit
  int64_t remaining = 0;  // whole units available now
  int64_t reset_ms = 0;   // until the limit is fully replenished
};

struct Reservation {
  uint64_t id = 0;  // 0 = empty (nothing to settle)
  std::string key_id;
};

struct Admission {
  enum class Outcome {
    kAdmitted,
    kRequestsExceeded,  // rpm
    kTokensExceeded,    // tpm (or the request alone exceeds the tpm)
    kParallelExceeded,  // max_parallel requests in flight
    kBudgetExceeded,    // spent + reserved + worst case > budget
    kCreditsExceeded,   // reserved + worst case > credits
    kUnavailable,       // the shared counters cannot be reached (on_counter_failure: closed)
  };
  Outcome outcome = Outcome::kAdmitted;
  Reservation reservation;  // set when admitted
  LimitState requests;
  LimitState tokens;
  int64_t retry_after_ms = 0;  // when refused: earliest time worth retrying
};

struct Settlement {
  Micros actual_cost = 0;
  int64_t actual_tokens = 0;
  int64_t now_ms = 0;
};

// Balances as the counters see them (for admin views and tests).
struct LiveBalance {
  bool known = false;
  Micros spent = 0;
  Micros reserved = 0;
  std::optional<Micros> credits;  // remaining, before reservations
  int64_t in_flight = 0;
};

class Counters {
 public:
  virtual ~Counters() = default;
  virtual Admission admit(const AdmitRequest& request) = 0;
  virtual bool settle(const Reservation& reservation, const Settlement& settlement) = 0;
  virtual bool release(const Reservation& reservation) = 0;
  // Adds prepaid credit to a key. When the key is unknown to the counters,
  // `seed_after_top_up` (the durable balance including this top-up) is used.
  virtual void add_credits(std::string_view key_id, Micros amount,
                           const BalanceSeed& seed_after_top_up) = 0;
  // Forgets a key's balances so the next admission re-seeds from the store
  // (after recompute_balances, or an admin reset). Live reservations survive.
  virtual void forget_balance(std::string_view key_id) = 0;
  virtual LiveBalance balance(std::string_view key_id, int64_t now_ms) = 0;
};

}  // namespace sy::store
