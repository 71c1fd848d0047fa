// Strategies: order one model group's deployments for one request.
//
// The result lists every deployment exactly once: first the available ones
// (breaker allows, not cooling after a Retry-After, caps have room, context
// window fits) in the strategy's order, then the unavailable ones as late
// fallbacks — at cap first (they free up soonest), then cooling (soonest
// end first), then open (soonest cooldown end first) — and finally the ones
// whose context window is too small (never sent; listed for explain()).
//
// Strategy orders over the available deployments:
//   priority       config order.
//   weighted       draw by weight without replacement; weight 0 goes last.
//   round-robin    rotation starting at (counter++ mod n) over ALL deployments,
//                  unavailable ones skipped: with all available, exact rotation.
//   least-busy     fewest in-flight; ties in random order.
//   least-latency  first pick by power of two choices (two random candidates
//                  drawn with replacement, lower TTFB EWMA wins; no sample yet
//                  counts as 0 ms so new deployments get measured), then the
//                  rest by EWMA ascending.
//   least-cost     lowest input*prompt + output*max_tokens price; unknown
//                  price after known ones; ties in config order.
//   usage-based    most headroom (CapTracker::headroom) first; ties random.
//
// Thread safety: reads the shared health atomics; the Rng is the caller's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "routing/caps.h"
#include "routing/health.h"
#include "routing/rng.h"
#include "routing/table.h"

namespace sy::routing {

// Output tokens assumed when the request sets no max_tokens (caps, cost).
inline constexpr int64_t kDefaultOutputEstimate = 256;

struct OrderRequest {
  int64_t now_ns = 0;
  bool stream = false;
  int64_t prompt_tokens = 0;
  std::optional<int64_t> max_tokens;  // as the client sent it
  int64_t output_estimate() const { return max_tokens.value_or(kDefaultOutputEstimate); }
  int64_t token_estimate() const { return prompt_tokens + output_estimate(); }
};

enum class Standing {
  kAvailable,
  kAtCap,
  kCooling,
  kOpen,
  kTooSmall,  // prompt_tokens + max_tokens exceeds the known context window
};
std::string_view to_string(Standing s);

struct Ranked {
  size_t deployment = 0;
  Standing standing = Standing::kAvailable;
  CapTracker::Limit limit = CapTracker::Limit::kNone;  // for kAtCap
  std::string why;  // human-readable reason for the position, for explain()
};

struct GroupOrder {
  std::vector<Ranked> ranked;  // every deployment once, available ones first
  size_t available = 0;        // how many leading entries are kAvailable
  size_t count(Standing s) const;
};

// Estimated USD of the request at `d` (nullopt when its price is unknown).
std::optional<double> estimated_cost(const DeploymentRuntime& d, const OrderRequest& req);

GroupOrder order_group(const GroupRuntime& group, const OrderRequest& req, Rng& rng);

}  // namespace sy::routing
