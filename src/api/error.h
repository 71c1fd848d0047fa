// OpenAI-shaped errors: {"error":{"message","type","param","code"}}.
// Every error the gateway returns to a client is built from an ApiError, so
// the status code and the body never disagree. Plain values; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sy::api {

struct ApiError {
  int status = 500;
  std::string type;     // OpenAI error type, e.g. "invalid_request_error"
  std::string code;     // machine code, e.g. "model_not_found"; empty → null
  std::string param;    // offending field, e.g. "messages"; empty → null
  std::string message;  // human-readable; never contains secrets or prompt text
};

// The JSON body for `e`, as OpenAI sends it.
std::string error_body(const ApiError& e);

// Constructors for the errors the gateway itself raises.
ApiError invalid_request(std::string message, std::string param = {}, std::string code = {});
ApiError model_not_found(std::string_view model);
ApiError not_found(std::string message);
ApiError payload_too_large(std::size_t limit_bytes);
ApiError unauthorized(std::string message);
ApiError forbidden(std::string message, std::string code = {});
ApiError rate_limited(std::string message, std::string code = "rate_limit_exceeded");
ApiError insufficient_quota(std::string message);
ApiError bad_gateway(std::string message, std::string code = "upstream_error");
ApiError gateway_timeout(std::string message);
ApiError service_unavailable(std::string message, std::string code = "service_unavailable");
ApiError internal_error(std::string message);

// Appends `s` to `out` as JSON string contents (no surrounding quotes).
void append_json_escaped(std::string& out, std::string_view s);

}  // namespace sy::api
