#include "providers/anthropic/errors.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "providers/anthropic/json_out.h"

namespace sy::providers::anthropic {
namespace {

constexpr std::size_t kMaxMessage = 1024;

std::string bounded(std::string_view s) {
  if (s.size() <= kMaxMessage) return std::string(s);
  // Cut on a UTF-8 boundary.
  std::size_t n = kMaxMessage;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "...";
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) ==
                                 std::tolower(static_cast<unsigned char>(b));
                        });
  return it != haystack.end();
}

bool is_context_length(std::string_view message) {
  return contains_ci(message, "prompt is too long") ||
         contains_ci(message, "exceed context limit") || contains_ci(message, "context window") ||
         contains_ci(message, "context length");
}

int status_for_type(std::string_view type) {
  if (type == "invalid_request_error") return 400;
  if (type == "authentication_error") return 401;
  if (type == "billing_error") return 402;
  if (type == "permission_error") return 403;
  if (type == "not_found_error") return 404;
  if (type == "request_too_large") return 413;
  if (type == "rate_limit_error") return 429;
  if (type == "timeout_error") return 504;
  if (type == "overloaded_error") return 529;
  return 500;  // api_error and anything unknown
}

UpstreamError build(int status, std::string_view type, std::string_view raw_message) {
  std::string message = bounded(raw_message);
  if (message.empty()) message = fmt::format("Provider anthropic returned HTTP {}.", status);
  UpstreamError out;
  if (type == "overloaded_error" || status == 529 || status == 503) {
    out.cls = ErrorClass::kOverloaded;
    out.error = api::service_unavailable("Provider anthropic is overloaded: " + message,
                                         "upstream_overloaded");
  } else if (status == 429) {
    out.cls = ErrorClass::kRateLimited;
    out.error = api::rate_limited("Provider anthropic rate limit: " + message);
  } else if (status == 401 || status == 403) {
    // Our credentials at the provider, not the client's: a gateway failure.
    out.cls = ErrorClass::kAuth;
    out.error = api::bad_gateway(
        "Provider anthropic rejected the gateway's credentials: " + message, "upstream_auth_error");
  } else if (status == 400 && is_context_length(message)) {
    out.cls = ErrorClass::kContextLength;
    out.error = api::invalid_request(std::move(message), "messages", "context_length_exceeded");
  } else if (status == 413) {
    out.cls = ErrorClass::kClientError;
    out.error = {413, "invalid_request_error", "request_too_large", "", std::move(message)};
  } else if (status == 404) {
    out.cls = ErrorClass::kClientError;
    out.error = api::not_found(std::move(message));
  } else if (status >= 400 && status < 500) {
    out.cls = ErrorClass::kClientError;
    out.error = api::invalid_request(std::move(message));
    out.error.status = status == 402 || status == 422 ? status : 400;
  } else {
    out.cls = ErrorClass::kServerError;
    out.error = api::bad_gateway("Provider anthropic failed: " + message);
  }
  return out;
}

}  // namespace

UpstreamError classify_error(int status, std::string_view body) {
  std::string_view type, message;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root) == simdjson::SUCCESS) {
    simdjson::dom::element err;
    if (root["error"].get(err) == simdjson::SUCCESS && err.is_object()) {
      get_if(err["type"].get_string(), type);
      get_if(err["message"].get_string(), message);
    }
  }
  return build(status, type, message);
}

UpstreamError stream_error(std::string_view type, std::string_view message) {
  return build(status_for_type(type), type, message);
}

}  // namespace sy::providers::anthropic
