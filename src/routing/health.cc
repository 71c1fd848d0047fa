#include "routing/health.h"

namespace sy::routing {

using providers::ErrorClass;

std::string_view to_string(Availability a) {
  switch (a) {
    case Availability::kAvailable:
      return "available";
    case Availability::kAtCap:
      return "at_cap";
    case Availability::kCooling:
      return "cooling";
    case Availability::kOpen:
      return "open";
  }
  return "unknown";
}

bool counts_as_failure(ErrorClass cls) {
  return cls == ErrorClass::kAuth || providers::retryable(cls);
}

DeploymentHealth::DeploymentHealth(const BreakerOptions& breaker, const DeploymentCaps& caps)
    : breaker_(breaker), caps_(caps), outcomes_(Nanos(60'000'000'000)) {}

Availability DeploymentHealth::availability(int64_t now_ns, int64_t tokens,
                                            CapTracker::Limit* limit) const {
  if (!breaker_.would_allow(now_ns)) return Availability::kOpen;
  if (now_ns < cooling_until_.load(std::memory_order_relaxed)) return Availability::kCooling;
  CapTracker::Limit l = caps_.would_refuse(now_ns, tokens);
  if (limit != nullptr) *limit = l;
  return l == CapTracker::Limit::kNone ? Availability::kAvailable : Availability::kAtCap;
}

void DeploymentHealth::record(int64_t now_ns, ErrorClass cls, bool probe, bool stream, Nanos ttfb,
                              Nanos retry_after) {
  if (counts_as_failure(cls)) {
    outcomes_.add(now_ns, 0, 1);
    breaker_.on_failure(now_ns, probe, retry_after);
    if (retry_after.count() > 0) {
      int64_t until = now_ns + retry_after.count();
      int64_t seen = cooling_until_.load(std::memory_order_relaxed);
      while (seen < until &&
             !cooling_until_.compare_exchange_weak(seen, until, std::memory_order_relaxed)) {
      }
    }
    return;
  }
  outcomes_.add(now_ns, 1, 0);
  breaker_.on_success(now_ns, probe);
  if (cls == ErrorClass::kNone) (stream ? stream_ : unary_).record(ttfb);
}

double DeploymentHealth::error_rate(int64_t now_ns) const {
  SlidingWindow::Sum s = outcomes_.sum(now_ns);
  return s.a + s.b == 0 ? 0.0 : double(s.b) / double(s.a + s.b);
}

int64_t DeploymentHealth::outcomes(int64_t now_ns) const {
  SlidingWindow::Sum s = outcomes_.sum(now_ns);
  return s.a + s.b;
}

std::optional<double> DeploymentHealth::ttfb_ewma_ms(bool stream) const {
  if (auto v = latency(stream).ewma_ms()) return v;
  return latency(!stream).ewma_ms();
}

}  // namespace sy::routing
