// Pure handlers for the gateway's own endpoints (no upstream I/O).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "config/config.h"
#include "server/response.h"

namespace sy::server {

// GET /health: liveness; always 200 while the process serves.
Response health();
// GET /ready: 200 once configured and listening, 503 while draining.
Response ready(bool listening, bool draining);
// GET /v1/models: the configured model names in OpenAI's list format,
// those `visible` accepts (all when absent).
Response list_models(const config::Config& cfg, int64_t created,
                     const std::function<bool(std::string_view)>& visible = {});
// 404 / 405 for paths the gateway does not serve.
Response unknown_route(std::string_view method, std::string_view path);
Response method_not_allowed(std::string_view method, std::string_view path);

}  // namespace sy::server
