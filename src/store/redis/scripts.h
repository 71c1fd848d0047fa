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
//   sy:{k}:rec   sorted set: ids of reconciled fallback debits, scored by
//                when they may be forgotten (ms)
// Reservations past their expiry (a replica crashed before settling) are
// swept back into the balance by the admit script.
#pragma once

namespace sy::store::redis {

// KEYS bal rl res held. ARGV: now rpm tpm max_parallel budget(-1 none)
// period cur_period_start next_period_start seed_start seed_spent
// seed_credits(-1 none) tokens cost id expires_at deadline_us.
// Returns {outcome, req_limit, req_remaining, req_reset, tok_limit,
// tok_remaining, tok_reset, retry_after_ms}; outcome as Admission::Outcome,
// or -1 (nothing changed) when Redis's TIME is at or past deadline_us.
extern const char *const kAdmitScript;

// KEYS bal rl res held. ARGV: id settle(1)/release(0) actual_cost
// actual_tokens now. Returns 1 when this call finished the reservation.
extern const char *const kFinishScript;

// Applies charges settled by the local fallback while Redis was unreachable.
// KEYS bal rec. ARGV: now keep_ms, then per charge: id cost at_ms. A charge
// whose id is in `rec` is skipped (idempotent: a replay whose reply was lost
// can be sent again); applied ids stay there keep_ms. Each applies like a
// settle at at_ms (spent when in the current period, credits always); on an
// unseeded balance nothing is applied. Returns how many were applied.
extern const char *const kReconcileScript;

// KEYS bal. ARGV: amount seed_start seed_spent seed_credits.
extern const char *const kAddCreditsScript;

} // namespace sy::store::redis
