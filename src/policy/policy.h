// Auto-routing policies (`policies:` in the configuration): what a client
// gets when it sends "model": "auto" (policy `auto`) or "auto:<name>".
//
// A Policy is an immutable value built once at start-up (config_parse.h) and
// shared read-only by every worker; it holds the classifier model it scores
// with. PolicySet::resolve() maps a requested model string to a policy.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "classifier/model.h"

namespace sy::policy {

// How the policy picks among the qualifying groups of the chosen tier.
enum class Prefer {
  kCost,     // lowest estimated cost (prompt + output tokens at catalog prices) first
  kLatency,  // lowest observed TTFB EWMA first; groups without samples after measured ones
  kQuality,  // the order the tier lists its groups in (the operator's ranking)
};
std::string_view to_string(Prefer p);
std::optional<Prefer> parse_prefer(std::string_view s);

struct Tier {
  std::string name;                 // e.g. "mini"
  std::vector<std::string> groups;  // configured model group names, in config order
};

struct Policy {
  std::string name;                // "auto" or the part after "auto:"
  std::vector<Tier> tiers;         // cheapest to strongest; never empty
  std::vector<std::string> local;  // groups that keep data on premises
  Prefer prefer = Prefer::kCost;
  std::string classifier_source = "builtin";            // "builtin" or the model file's path
  std::shared_ptr<const classifier::Model> classifier;  // never null
  double threshold = 0.5;  // [0, 1]; default: the classifier's default_threshold()

  bool is_local(std::string_view group) const;
  // The tier index a tier name has; nullopt when the policy has no such tier.
  std::optional<size_t> tier_index(std::string_view name) const;
};

struct PolicySet {
  std::map<std::string, Policy, std::less<>> policies;

  // "auto" → policy "auto"; "auto:<name>" → policy <name>. nullptr when the
  // string is not an auto model or names no configured policy.
  const Policy* resolve(std::string_view requested_model) const;
  bool empty() const { return policies.empty(); }
};

// Whether `model` asks for auto-routing ("auto" or "auto:..."), configured or not.
bool is_auto_model(std::string_view model);

}  // namespace sy::policy
