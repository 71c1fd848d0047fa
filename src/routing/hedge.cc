#include "routing/hedge.h"

namespace sy::routing {

std::optional<Nanos> HedgePolicy::hedge_delay(const DeploymentRuntime& first, bool stream) const {
  if (options_.percentile) {
    const LatencyStats& stats = first.health->latency(stream);
    if (auto ms = stats.percentile_ms(*options_.percentile / 100.0, kMinSamples)) {
      return Nanos(static_cast<int64_t>(*ms * 1e6));
    }
  }
  if (options_.after) return std::chrono::duration_cast<Nanos>(*options_.after);
  return std::nullopt;
}

bool HedgePolicy::should_hedge(Nanos elapsed, const DeploymentRuntime& first, bool stream,
                               int hedges_started) const {
  if (hedges_started >= kMaxHedges) return false;
  auto delay = hedge_delay(first, stream);
  return delay && elapsed >= *delay;
}

}  // namespace sy::routing
