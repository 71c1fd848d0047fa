// Parses `policies:` from the configuration root into a PolicySet. Start-up /
// reload only (not the request path); loads classifier model files named by
// `classifier:`. Every problem is reported, "file:line:col: path: message",
// all of them in one run:
//
//   policies:
//     auto:                       # clients send "auto"; other names "auto:<name>"
//       tiers:                    # ordered cheapest to strongest, at least one
//         mini:     [gpt-4o-mini] # each a non-empty list of configured model groups
//         standard: [gpt-4o]
//       local: [llama-local]      # groups that keep data on premises (optional)
//       prefer: cost              # cost | latency | quality   [cost]
//       classifier: builtin       # or a path to a model file  [builtin]
//       threshold: 0.55           # in [0, 1]  [the classifier's default_threshold]
//
// Errors: unknown keys, a group that is not configured under `models:`, a
// group listed in two tiers, empty tiers, a bad prefer value, a threshold
// outside [0, 1], an unreadable classifier file.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "config/config.h"
#include "policy/policy.h"
#include "util/expected.h"

namespace sy::policy {

inline constexpr std::string_view kRootPoliciesKey = "policies";

Expected<PolicySet, std::string> parse_policies(const YAML::Node& root, std::string_view source,
                                                const config::Config& config);

}  // namespace sy::policy
