// Routing options: plain values parsed once from YAML (config_parse.h) and
// then read-only. Defaults in brackets. Durations are milliseconds in YAML
// ("1500", "250ms", "5s", "2m").
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "routing/clock.h"

namespace sy::routing {

using Millis = std::chrono::milliseconds;

enum class Strategy {
  kPriority,      // config order; a later deployment only when earlier ones are unavailable
  kWeighted,      // random by weight, without replacement
  kRoundRobin,    // rotating start (one atomic counter per group)
  kLeastBusy,     // fewest in-flight requests, random tie break
  kLeastLatency,  // lowest TTFB EWMA, first pick by power of two choices
  kLeastCost,     // lowest price for the request's estimated tokens
  kUsageBased,    // most rpm/tpm headroom first
};
std::string_view to_string(Strategy s);
// "priority", "weighted", "round-robin", "least-busy", "least-latency",
// "least-cost", "usage-based" (underscores accepted for dashes).
std::optional<Strategy> parse_strategy(std::string_view name);

// Circuit breaker (breaker.h).
struct BreakerOptions {
  int failures = 5;              // [5] consecutive failures that open the breaker; 0 = off
  double error_rate = 0.5;       // [0.5] failure share in `window` that opens it; 0 = off
  Millis window{60'000};         // [60 s] error-rate window
  int min_requests = 20;         // [20] outcomes in the window before error_rate applies
  Millis cooldown{5'000};        // [5 s] first open period
  Millis max_cooldown{300'000};  // [5 min] cap of the doubling open period
  bool operator==(const BreakerOptions&) const = default;
};

// Retries (retry.h).
struct RetryOptions {
  // The attempts a group of `deployments` gets.
  int attempts_for(std::size_t deployments) const {
    return max_attempts > 0 ? max_attempts : static_cast<int>(std::max<std::size_t>(1, deployments));
  }
  // Sends to this group's deployments per request (first + retries).
  // [0 = one per deployment: fail over, never resend to the same deployment;
  // clients such as the OpenAI SDKs already retry on their own]
  int max_attempts = 0;
  Millis base_delay{250};   // [250 ms] backoff base: retry n waits U(0, min(max, base*2^n))
  Millis max_delay{8'000};  // [8 s] backoff cap (a longer Retry-After still wins, up to budget)
  Millis budget{60'000};    // [60 s] of the first group: no attempt starts later than this
                            // after the request began (the overall deadline)
};

// Waiting when every deployment is at its caps (wait_queue.h).
struct QueueOptions {
  int max_waiting = 100;  // [100] waiting requests per group; more → answered at once; 0 = no queue
  Millis timeout{10'000};  // [10 s] longest wait before answering 429
};

// Hedging (hedge.h). Neither set = no hedging. With both, the percentile is
// used once enough samples exist and hedge_after is the fallback.
struct HedgeOptions {
  std::optional<Millis> after;       // hedge_after_ms
  std::optional<double> percentile;  // hedge_at_percentile, in (0, 100), e.g. 95
};

// Per-deployment caps (caps.h). 0 = unlimited.
struct DeploymentCaps {
  int64_t rpm = 0;
  int64_t tpm = 0;
  int64_t max_parallel = 0;
  bool operator==(const DeploymentCaps&) const = default;
};

struct DeploymentRouting {
  int weight = 1;  // [1] for `weighted`; 0 = only as a fallback
  DeploymentCaps caps;
  std::optional<catalog::Price> price;  // overrides the catalog price (USD per million)
};

// Global defaults under the top-level `routing:` key; every model group
// starts from these.
struct RoutingDefaults {
  Strategy strategy = Strategy::kPriority;
  RetryOptions retries;
  BreakerOptions breaker;
  QueueOptions queue;
  HedgeOptions hedge;
};

struct GroupRouting {
  Strategy strategy = Strategy::kPriority;
  std::vector<std::string> fallbacks;                 // other group names, in order
  std::vector<std::string> context_window_fallbacks;  // larger-context groups, in order
  std::vector<std::string> content_policy_fallbacks;  // after a content-policy refusal
  RetryOptions retries;
  BreakerOptions breaker;
  QueueOptions queue;
  HedgeOptions hedge;
  std::vector<DeploymentRouting> deployments;  // parallel to config::ModelGroup::deployments
};

}  // namespace sy::routing
