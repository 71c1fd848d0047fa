#include "api/error.h"

#include <fmt/format.h>

namespace sy::api {

void append_json_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

namespace {
void append_nullable(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += "null";
    return;
  }
  out += '"';
  append_json_escaped(out, s);
  out += '"';
}
}  // namespace

std::string error_body(const ApiError& e) {
  std::string out;
  out.reserve(96 + e.message.size());
  out += R"({"error":{"message":")";
  append_json_escaped(out, e.message);
  out += R"(","type":)";
  append_nullable(out, e.type);
  out += R"(,"param":)";
  append_nullable(out, e.param);
  out += R"(,"code":)";
  append_nullable(out, e.code);
  out += "}}";
  return out;
}

ApiError invalid_request(std::string message, std::string param, std::string code) {
  return {400, "invalid_request_error", std::move(code), std::move(param), std::move(message)};
}
ApiError model_not_found(std::string_view model) {
  return {404, "invalid_request_error", "model_not_found", "model",
          fmt::format("The model `{}` does not exist or you do not have access to it.", model)};
}
ApiError not_found(std::string message) {
  return {404, "invalid_request_error", "not_found", "", std::move(message)};
}
ApiError payload_too_large(std::size_t limit_bytes) {
  return {413, "invalid_request_error", "request_too_large", "",
          fmt::format("Request body exceeds the limit of {} bytes.", limit_bytes)};
}
ApiError unauthorized(std::string message) {
  return {401, "invalid_request_error", "invalid_api_key", "", std::move(message)};
}
ApiError forbidden(std::string message, std::string code) {
  return {403, "invalid_request_error", std::move(code), "", std::move(message)};
}
ApiError rate_limited(std::string message, std::string code) {
  return {429, "requests", std::move(code), "", std::move(message)};
}
ApiError insufficient_quota(std::string message) {
  return {429, "insufficient_quota", "insufficient_quota", "", std::move(message)};
}
ApiError bad_gateway(std::string message, std::string code) {
  return {502, "upstream_error", std::move(code), "", std::move(message)};
}
ApiError gateway_timeout(std::string message) {
  return {504, "upstream_error", "upstream_timeout", "", std::move(message)};
}
ApiError service_unavailable(std::string message, std::string code) {
  return {503, "service_unavailable", std::move(code), "", std::move(message)};
}
ApiError internal_error(std::string message) {
  return {500, "server_error", "internal_error", "", std::move(message)};
}

}  // namespace sy::api
