// Lua scripts that make each counter operation one atomic Redis step.
//
// Rate limits use a token bucket per key and limit (capacity = the limit,
// refilled continuously at limit/60 s), the same algorithm as MemoryCounters
// and equivalent to GCRA. Chosen over a sliding window because the state is
// O(1) per key (level, last refill) instead of a sorted set of every request
// in the window, it has no fixed-window boundary bursts, it admits exactly
// `limit` in a burst from full (what the cross-replica test checks), and
// Retry-After / reset times come from simple arithmetic. Token debt (actual
// usage above the estimate) is expressed as a negative level.
//
// Keys of one virtual key share the hash tag {key_id} (Cluster-safe):
//   sy:{k}:bal   hash: seeded, period, period_start, next_start, spent,
//                reserved, credits (absent: not prepaid)
//   sy:{k}:rl    hash: rl/rt (requests level/time), tl/tt (tokens), tpm
//   sy:{k}:res   sorted set: reservation id scored by expiry (ms)
//   sy:{k}:held  hash: reservation id → "cost tokens"
// Reservations past their expiry (a replica crashed before settling) are
// swept back into the balance by the admit script.
#pragma once

namespace sy::store::redis {

// KEYS bal rl res held. ARGV: now rpm tpm max_parallel budget(-1 none)
// period cur_period_start next_period_start seed_start seed_spent
// seed_credits(-1 none) tokens cost id expires_at.
// Returns {outcome, req_limit, req_remaining, req_reset, tok_limit,
// tok_remaining, tok_reset, retry_after_ms}; outcome as Admission::Outcome.
extern const char *const kAdmitScript;

// KEYS bal rl res held. ARGV: id settle(1)/release(0) actual_cost
// actual_tokens now. Returns 1 when this call finished the reservation.
extern const char *const kFinishScript;

// KEYS bal. ARGV: amount seed_start seed_spent seed_credits.
extern const char *const kAddCreditsScript;

} // namespace sy::store::redis
