// DeploymentHealth: everything the router knows about one deployment at run
// time — circuit breaker, caps and in-flight count, TTFB statistics (separate
// for streamed and non-streamed requests), a 60 s outcome window, and a
// "cooling" deadline set by a rate-limit answer's Retry-After.
//
// How outcomes count (record()):
//   kNone (success)                       → breaker success, TTFB sample
//   retryable classes (429, 5xx, 529,
//     transport, timeout) and kAuth       → breaker failure (the deployment is
//                                           unhealthy or misconfigured)
//   kClientError, kContextLength,
//     kContentPolicy                      → breaker success (the deployment
//                                           answered; the request was at fault)
// A 429/503/529 with Retry-After also makes the deployment "cooling" until
// then: planning puts it after the available ones.
//
// Thread safety: lock-free, shared by all workers (one object per deployment
// in the RoutingTable). Not copyable or movable; held by shared_ptr.
#pragma once

#include <atomic>
#include <cstdint>

#include "providers/adapter.h"
#include "routing/breaker.h"
#include "routing/caps.h"
#include "routing/latency.h"
#include "routing/sliding_window.h"

namespace sy::routing {

enum class Availability {
  kAvailable,  // breaker lets traffic through and the caps have room
  kAtCap,      // a cap (rpm, tpm, max_parallel) is full: wait or go elsewhere
  kCooling,    // a Retry-After from this deployment has not passed yet
  kOpen,       // breaker open (or half-open with its probe out)
};
std::string_view to_string(Availability a);

class DeploymentHealth {
 public:
  DeploymentHealth(const BreakerOptions& breaker, const DeploymentCaps& caps);
  DeploymentHealth(const DeploymentHealth&) = delete;
  DeploymentHealth& operator=(const DeploymentHealth&) = delete;

  // For planning (no side effects). `limit` receives the full cap for kAtCap.
  Availability availability(int64_t now_ns, int64_t tokens,
                            CapTracker::Limit* limit = nullptr) const;

  // One attempt's outcome. `ttfb` is time to the first response byte
  // (headers) for kNone; `retry_after` 0 when absent.
  void record(int64_t now_ns, providers::ErrorClass cls, bool probe, bool stream, Nanos ttfb,
              Nanos retry_after);

  // The error share over the last 60 s and the number of outcomes in it.
  double error_rate(int64_t now_ns) const;
  int64_t outcomes(int64_t now_ns) const;
  // TTFB EWMA for the kind asked; falls back to the other kind when the
  // asked one has no sample yet.
  std::optional<double> ttfb_ewma_ms(bool stream) const;
  const LatencyStats& latency(bool stream) const { return stream ? stream_ : unary_; }
  int64_t cooling_until_ns() const { return cooling_until_.load(std::memory_order_relaxed); }

  CircuitBreaker& breaker() { return breaker_; }
  const CircuitBreaker& breaker() const { return breaker_; }
  CapTracker& caps() { return caps_; }
  const CapTracker& caps() const { return caps_; }

 private:
  CircuitBreaker breaker_;
  CapTracker caps_;
  LatencyStats stream_;
  LatencyStats unary_;
  SlidingWindow outcomes_;  // a = successes, b = failures
  std::atomic<int64_t> cooling_until_{0};
};

// Whether an outcome of class `cls` counts against the deployment's health.
bool counts_as_failure(providers::ErrorClass cls);

}  // namespace sy::routing
