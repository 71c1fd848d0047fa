// Parses the routing keys of the YAML configuration into RoutingConfig.
// Start-up / reload only (not the request path); may allocate and uses
// yaml-cpp, which may throw only on malformed YAML (already rejected by the
// loader's YAML::Load). Every problem is reported, "file:line:col: path:
// message", all of them in one run.
//
// Where the keys go:
//
//   routing:                        # top level: defaults for every group
//     strategy: least-latency       # priority | weighted | round-robin | least-busy |
//                                   # least-latency | least-cost | usage-based
//     retries: {max_attempts: 3, base_delay: 250ms, max_delay: 8s, budget: 60s}
//     breaker: {failures: 5, error_rate: 0.5, window: 60s, min_requests: 20,
//               cooldown: 5s, max_cooldown: 5m}
//     queue: {max_waiting: 100, timeout: 10s}
//     hedge_after_ms: 2000          # or hedge_at_percentile: 95
//   models:
//     - name: gpt-4o
//       strategy: weighted          # group keys, beside name/deployments;
//       fallbacks: [claude-3-5-sonnet]          # each overrides the default
//       context_window_fallbacks: [gpt-4o-128k]  # (retries/breaker/queue
//       content_policy_fallbacks: [llama-local]  # merge key by key)
//       retries: {max_attempts: 4}
//       breaker: {failures: 3}
//       queue: {timeout: 2s}
//       hedge_after_ms: 1500
//       hedge_at_percentile: 95
//       deployments:
//         - provider: openai        # deployment keys, beside provider/model:
//           weight: 3
//           rpm: 500
//           tpm: 200000
//           max_parallel: 32
//           price: {input: 2.5, output: 10, cached_input: 1.25}  # USD per 1M tokens
//
// Fallback names must be other model groups of the same file.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "config/yaml_reader.h"
#include "routing/options.h"
#include "routing/table.h"
#include "util/expected.h"

namespace sy::routing {

// Keys this module reads, for the loader's expect_map() lists.
inline constexpr std::string_view kRootRoutingKey = "routing";
inline constexpr std::string_view kGroupRoutingKeys[] = {
    "strategy", "fallbacks", "context_window_fallbacks", "content_policy_fallbacks",
    "retries",  "breaker",   "hedge_after_ms",           "hedge_at_percentile",
    "queue"};
inline constexpr std::string_view kDeploymentRoutingKeys[] = {"weight", "rpm", "tpm",
                                                              "max_parallel", "price"};

// Everything at once from the document root: `routing:` and the routing keys
// of every models[i] and models[i].deployments[j]. Does not reject keys it
// does not own at the group/deployment level (the loader does that).
Expected<RoutingConfig, std::string> parse_routing(const YAML::Node& root, std::string_view source);

// The pieces, for a loader that reads models itself. Errors go to `r`.
void parse_routing_defaults(config::YamlReader& r, const YAML::Node& node, RoutingDefaults& out);
// `node` is the model group mapping; `out` must start as the defaults.
void parse_group_routing(config::YamlReader& r, const YAML::Node& node, std::string_view path,
                         GroupRouting& out);
void parse_deployment_routing(config::YamlReader& r, const YAML::Node& node, std::string_view path,
                              DeploymentRouting& out);
// A group starting from the defaults.
GroupRouting group_defaults(const RoutingDefaults& d);

}  // namespace sy::routing
