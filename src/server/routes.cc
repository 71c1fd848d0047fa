#include "server/routes.h"

#include <fmt/format.h>

namespace sy::server {

Response health() { return {200, "application/json", R"({"status":"ok"})", {}}; }

Response ready(bool listening, bool draining) {
  if (draining) return {503, "application/json", R"({"status":"draining"})", {}};
  if (!listening) return {503, "application/json", R"({"status":"starting"})", {}};
  return {200, "application/json", R"({"status":"ready"})", {}};
}

Response list_models(const config::Config& cfg, int64_t created,
                     const std::function<bool(std::string_view)>& visible) {
  std::string body = R"({"object":"list","data":[)";
  bool first = true;
  for (const auto& m : cfg.models) {
    if (visible && !visible(m.name)) continue;
    if (!first) body += ',';
    first = false;
    body += R"({"id":")";
    api::append_json_escaped(body, m.name);
    body += fmt::format(R"(","object":"model","created":{},"owned_by":")", created);
    api::append_json_escaped(body, m.deployments.empty() ? "switchyard" : m.deployments[0].provider);
    body += "\"}";
  }
  body += "]}";
  return {200, "application/json", std::move(body), {}};
}

Response unknown_route(std::string_view method, std::string_view path) {
  api::ApiError e = api::not_found(fmt::format("Unknown request URL: {} {}. Please check the URL "
                                               "for typos.",
                                               method, path.substr(0, 256)));
  e.code = "unknown_url";
  return error_response(e);
}

Response method_not_allowed(std::string_view method, std::string_view path) {
  api::ApiError e{405, "invalid_request_error", "method_not_allowed", "",
                  fmt::format("Method {} is not allowed on {}.", method, path.substr(0, 256))};
  Response r = error_response(e);
  const bool read_only = path == "/v1/models" || path == "/models" || path == "/metrics" ||
                         path == "/health" || path == "/ready";
  r.headers.emplace_back("allow", read_only ? "GET" : "POST");
  return r;
}

}  // namespace sy::server
