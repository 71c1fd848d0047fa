#include "policy/policy.h"

#include <algorithm>

namespace sy::policy {

std::string_view to_string(Prefer p) {
  switch (p) {
    case Prefer::kCost:
      return "cost";
    case Prefer::kLatency:
      return "latency";
    case Prefer::kQuality:
      return "quality";
  }
  return "cost";
}

std::optional<Prefer> parse_prefer(std::string_view s) {
  if (s == "cost") return Prefer::kCost;
  if (s == "latency") return Prefer::kLatency;
  if (s == "quality") return Prefer::kQuality;
  return std::nullopt;
}

bool Policy::is_local(std::string_view group) const {
  return std::find(local.begin(), local.end(), group) != local.end();
}

std::optional<size_t> Policy::tier_index(std::string_view tier_name) const {
  for (size_t i = 0; i < tiers.size(); ++i) {
    if (tiers[i].name == tier_name) return i;
  }
  return std::nullopt;
}

bool is_auto_model(std::string_view model) { return model == "auto" || model.starts_with("auto:"); }

const Policy* PolicySet::resolve(std::string_view requested_model) const {
  if (!is_auto_model(requested_model)) return nullptr;
  std::string_view name =
      requested_model == "auto" ? std::string_view("auto") : requested_model.substr(5);
  auto it = policies.find(name);
  return it == policies.end() ? nullptr : &it->second;
}

}  // namespace sy::policy
