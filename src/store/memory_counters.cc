#include "store/memory_counters.h"

#include <algorithm>
#include <functional>

namespace sy::store {

MemoryCounters::Shard& MemoryCounters::shard_for(std::string_view key_id) {
  return shards_[std::hash<std::string_view>{}(key_id) % kShards];
}

void MemoryCounters::roll_period(KeyState& state, int64_t now_ms) {
  const int64_t start = period_start_ms(state.period, now_ms);
  if (start > state.period_start_ms) {
    state.period_start_ms = start;
    state.spent = 0;
  }
}

void MemoryCounters::seed(KeyState& state, const BalanceSeed& seed, int64_t now_ms) {
  if (state.seeded) return;
  state.seeded = true;
  state.period_start_ms = seed.period_start_ms;
  state.spent = seed.spent;
  state.credits = seed.credits;
  roll_period(state, now_ms);
}

Admission MemoryCounters::admit(const AdmitRequest& request) {
  using Outcome = Admission::Outcome;
  const KeyLimits& limits = request.limits;
  const int64_t now = request.now_ms;
  Admission result;
  Shard& shard = shard_for(request.key_id);
  std::lock_guard lock(shard.mutex);
  KeyState& state = shard.keys[request.key_id];
  state.period = limits.budget_period;
  seed(state, request.seed, now);
  roll_period(state, now);

  if (limits.rpm > 0) state.requests.refill(limits.rpm, now);
  if (limits.tpm > 0) state.tokens.refill(limits.tpm, now);
  state.tpm = limits.tpm;
  const int64_t tokens = std::max<int64_t>(request.estimated_tokens, 0);
  const Micros cost = std::max<Micros>(request.worst_case_cost, 0);

  auto fill_states = [&] {
    if (limits.rpm > 0) {
      result.requests = {limits.rpm, state.requests.remaining(), state.requests.ms_until_full()};
    }
    if (limits.tpm > 0) {
      result.tokens = {limits.tpm, state.tokens.remaining(), state.tokens.ms_until_full()};
    }
  };
  auto refuse = [&](Outcome outcome, int64_t retry_after_ms) {
    result.outcome = outcome;
    result.retry_after_ms = retry_after_ms;
    fill_states();
    return result;
  };

  if (limits.rpm > 0 && state.requests.remaining() < 1) {
    return refuse(Outcome::kRequestsExceeded, state.requests.ms_until(1));
  }
  if (limits.tpm > 0) {
    const int64_t wait = state.tokens.ms_until(tokens);
    if (wait != 0) return refuse(Outcome::kTokensExceeded, wait < 0 ? 60'000 : wait);
  }
  if (limits.max_parallel > 0 && state.in_flight >= limits.max_parallel) {
    return refuse(Outcome::kParallelExceeded, 1'000);
  }
  if (limits.budget && state.spent + state.reserved + cost > *limits.budget) {
    // The budget comes back at the next period boundary (never, for kNever).
    int64_t retry = 0;
    if (limits.budget_period != BudgetPeriod::kNever) {
      // Search forward by day for the next period start (at most 31 steps).
      int64_t probe = state.period_start_ms;
      while (period_start_ms(limits.budget_period, probe) <= state.period_start_ms) {
        probe += 86'400'000;
      }
      retry = period_start_ms(limits.budget_period, probe) - now;
    }
    return refuse(Outcome::kBudgetExceeded, std::max<int64_t>(retry, 0));
  }
  if (state.credits && state.reserved + cost > *state.credits) {
    return refuse(Outcome::kCreditsExceeded, 0);
  }

  if (limits.rpm > 0) state.requests.try_take(1);
  if (limits.tpm > 0) state.tokens.try_take(tokens);
  ++state.in_flight;
  state.reserved += cost;
  const uint64_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
  state.held.emplace(id, Held{cost, tokens});
  result.outcome = Outcome::kAdmitted;
  result.reservation = {id, request.key_id};
  fill_states();
  return result;
}

bool MemoryCounters::finish(const Reservation& reservation, const Settlement* settlement) {
  if (reservation.id == 0) return false;
  Shard& shard = shard_for(reservation.key_id);
  std::lock_guard lock(shard.mutex);
  auto it = shard.keys.find(reservation.key_id);
  if (it == shard.keys.end()) return false;
  KeyState& state = it->second;
  auto held = state.held.find(reservation.id);
  if (held == state.held.end()) return false;
  state.reserved -= held->second.cost;
  --state.in_flight;
  if (settlement != nullptr) {
    roll_period(state, settlement->now_ms);
    state.spent += settlement->actual_cost;
    if (state.credits) *state.credits -= settlement->actual_cost;
    if (state.tpm > 0) {
      state.tokens.refill(state.tpm, settlement->now_ms);
      state.tokens.adjust(held->second.tokens - settlement->actual_tokens);
    }
  } else if (state.tpm > 0) {
    // A released request consumed nothing upstream; return its tokens.
    state.tokens.adjust(held->second.tokens);
  }
  state.held.erase(held);
  return true;
}

bool MemoryCounters::settle(const Reservation& reservation, const Settlement& settlement) {
  return finish(reservation, &settlement);
}

bool MemoryCounters::release(const Reservation& reservation) {
  return finish(reservation, nullptr);
}

void MemoryCounters::add_credits(std::string_view key_id, Micros amount,
                                 const BalanceSeed& seed_after_top_up) {
  Shard& shard = shard_for(key_id);
  std::lock_guard lock(shard.mutex);
  auto it = shard.keys.find(std::string(key_id));
  if (it == shard.keys.end() || !it->second.seeded) {
    KeyState& state = shard.keys[std::string(key_id)];
    state.seeded = true;
    state.period_start_ms = seed_after_top_up.period_start_ms;
    state.spent = seed_after_top_up.spent;
    state.credits = seed_after_top_up.credits;
    return;
  }
  KeyState& state = it->second;
  state.credits = state.credits.value_or(0) + amount;
}

void MemoryCounters::forget_balance(std::string_view key_id) {
  Shard& shard = shard_for(key_id);
  std::lock_guard lock(shard.mutex);
  auto it = shard.keys.find(std::string(key_id));
  if (it != shard.keys.end()) it->second.seeded = false;
}

LiveBalance MemoryCounters::balance(std::string_view key_id, int64_t now_ms) {
  Shard& shard = shard_for(key_id);
  std::lock_guard lock(shard.mutex);
  auto it = shard.keys.find(std::string(key_id));
  if (it == shard.keys.end() || !it->second.seeded) return {};
  KeyState& state = it->second;
  roll_period(state, now_ms);
  return {true, state.spent, state.reserved, state.credits, state.in_flight};
}

}  // namespace sy::store
