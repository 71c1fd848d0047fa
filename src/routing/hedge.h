// HedgePolicy: when a first attempt has produced no first byte for too long,
// start a second one on another deployment; the first to answer wins.
//
// Delay for an attempt on deployment d:
//   hedge_at_percentile p set and d has >= kMinSamples TTFB samples of the
//     request's kind → the p-th percentile of d's TTFB histogram;
//   else hedge_after_ms set → that;
//   else no hedging.
// At most one hedge per request (kMaxHedges). The hedge target is
// RouteRun::next_other_than(first admission): the next admissible planned
// attempt on a different deployment.
//
// Thread safety: immutable; reads shared latency statistics.
#pragma once

#include <optional>

#include "routing/clock.h"
#include "routing/options.h"
#include "routing/table.h"

namespace sy::routing {

class HedgePolicy {
 public:
  static constexpr int64_t kMinSamples = 20;
  static constexpr int kMaxHedges = 1;

  explicit HedgePolicy(const HedgeOptions& options) : options_(options) {}

  bool enabled() const { return options_.after.has_value() || options_.percentile.has_value(); }
  // How long to wait for the first byte before hedging; nullopt = never.
  std::optional<Nanos> hedge_delay(const DeploymentRuntime& first, bool stream) const;
  // Whether a request whose first attempt (on `first`) has waited `elapsed`
  // without a first byte, having already started `hedges_started` hedges,
  // should start one now.
  bool should_hedge(Nanos elapsed, const DeploymentRuntime& first, bool stream,
                    int hedges_started = 0) const;

 private:
  HedgeOptions options_;
};

}  // namespace sy::routing
