// MemoryCounters: Counters for a single gateway instance.
//
// State is split into kShards shards by key id, each behind its own mutex;
// a call locks exactly one shard for a few hundred nanoseconds and never does
// I/O under it, so workers on different io_contexts rarely contend (only when
// they serve keys in the same shard at the same instant). Reservation ids come
// from one atomic counter. Thread-safe; see store/counters.h for the contract.
#pragma once

#include <array>
#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/counters.h"
#include "store/token_bucket.h"

namespace sy::store {

class MemoryCounters final : public Counters {
 public:
  MemoryCounters() = default;
  MemoryCounters(const MemoryCounters&) = delete;
  MemoryCounters& operator=(const MemoryCounters&) = delete;

  // Counters
  Admission admit(const AdmitRequest& request) override;
  bool settle(const Reservation& reservation, const Settlement& settlement) override;
  bool release(const Reservation& reservation) override;
  void add_credits(std::string_view key_id, Micros amount,
                   const BalanceSeed& seed_after_top_up) override;
  void forget_balance(std::string_view key_id) override;
  LiveBalance balance(std::string_view key_id, int64_t now_ms) override;

 private:
  struct Held {
    Micros cost = 0;
    int64_t tokens = 0;
  };
  struct KeyState {
    TokenBucket requests;
    TokenBucket tokens;
    int64_t tpm = 0;
    int64_t in_flight = 0;
    bool seeded = false;
    BudgetPeriod period = BudgetPeriod::kNever;
    int64_t period_start_ms = 0;
    Micros spent = 0;
    Micros reserved = 0;
    std::optional<Micros> credits;
    std::unordered_map<uint64_t, Held> held;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, KeyState> keys;
  };
  static constexpr size_t kShards = 64;

  Shard& shard_for(std::string_view key_id);
  static void seed(KeyState& state, const BalanceSeed& seed, int64_t now_ms);
  static void roll_period(KeyState& state, int64_t now_ms);
  bool finish(const Reservation& reservation, const Settlement* settlement);

  std::array<Shard, kShards> shards_;
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace sy::store
