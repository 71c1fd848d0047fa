#include "routing/options.h"

#include <string>

namespace sy::routing {

std::string_view to_string(Strategy s) {
  switch (s) {
    case Strategy::kPriority:
      return "priority";
    case Strategy::kWeighted:
      return "weighted";
    case Strategy::kRoundRobin:
      return "round-robin";
    case Strategy::kLeastBusy:
      return "least-busy";
    case Strategy::kLeastLatency:
      return "least-latency";
    case Strategy::kLeastCost:
      return "least-cost";
    case Strategy::kUsageBased:
      return "usage-based";
  }
  return "unknown";
}

std::optional<Strategy> parse_strategy(std::string_view name) {
  std::string n(name);
  for (char& c : n) {
    if (c == '_') c = '-';
  }
  for (Strategy s :
       {Strategy::kPriority, Strategy::kWeighted, Strategy::kRoundRobin, Strategy::kLeastBusy,
        Strategy::kLeastLatency, Strategy::kLeastCost, Strategy::kUsageBased}) {
    if (to_string(s) == n) return s;
  }
  return std::nullopt;
}

}  // namespace sy::routing
