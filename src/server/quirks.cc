#include "server/quirks.h"

#include <fmt/format.h>

namespace sy::server {

Expected<QuirkPlan, api::ApiError> plan_quirks(const api::Request& req, const catalog::Quirks& q,
                                               bool reject_unsupported, std::string_view model) {
  QuirkPlan plan;
  auto present = [&](std::string_view key) {
    simdjson::dom::element v;
    return req.root()[key].get(v) == simdjson::SUCCESS && !v.is_null();
  };
  for (const std::string& param : q.rejects) {
    if (!present(param)) continue;
    if (reject_unsupported) {
      return unexpected(api::invalid_request(
          fmt::format("Unsupported parameter: '{}' is not supported with model {}.", param, model),
          param, "unsupported_parameter"));
    }
    plan.quirks.drops.push_back(param);
    plan.dropped.push_back(param);
  }
  for (const auto& [from, to] : q.renames) {
    if (present(from)) plan.quirks.renames.emplace_back(from, to);
  }
  if (q.no_system_role) {
    simdjson::dom::array messages;
    if (req.root()["messages"].get_array().get(messages) == simdjson::SUCCESS) {
      for (simdjson::dom::element m : messages) {
        std::string_view role;
        if (m["role"].get_string().get(role) == simdjson::SUCCESS &&
            (role == "system" || role == "developer")) {
          plan.quirks.fold_system = true;
          break;
        }
      }
    }
  }
  return plan;
}

}  // namespace sy::server
