#include "providers/gemini/errors.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "providers/chat_output.h"

namespace sy::providers::gemini {
namespace {

bool contains_ci(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char a, char b) {
                       return std::tolower(static_cast<unsigned char>(a)) ==
                              std::tolower(static_cast<unsigned char>(b));
                     }) != haystack.end();
}

int status_for(std::string_view rpc_status, int http_status) {
  if (rpc_status == "INVALID_ARGUMENT" || rpc_status == "FAILED_PRECONDITION" ||
      rpc_status == "OUT_OF_RANGE")
    return 400;
  if (rpc_status == "UNAUTHENTICATED") return 401;
  if (rpc_status == "PERMISSION_DENIED") return 403;
  if (rpc_status == "NOT_FOUND") return 404;
  if (rpc_status == "RESOURCE_EXHAUSTED") return 429;
  if (rpc_status == "INTERNAL" || rpc_status == "UNKNOWN") return 500;
  if (rpc_status == "UNAVAILABLE") return 503;
  if (rpc_status == "DEADLINE_EXCEEDED") return 504;
  return http_status;
}

UpstreamError classify(int http_status, std::string_view rpc_status, std::string message) {
  const int status = http_status >= 400 ? http_status : status_for(rpc_status, 500);
  const int effective = rpc_status.empty() ? status : status_for(rpc_status, status);
  UpstreamError out;
  api::ApiError& e = out.error;
  e.status = status;
  e.message = message.empty() ? "The Gemini upstream returned HTTP " + std::to_string(status) + "."
                              : std::move(message);
  e.code = rpc_status.empty() ? "" : std::string(rpc_status);
  for (char& c : e.code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  e.type = effective >= 500 ? "server_error" : "invalid_request_error";

  if (effective == 401 || effective == 403 || contains_ci(e.message, "API key not valid") ||
      contains_ci(e.message, "API_KEY_INVALID")) {
    out.cls = ErrorClass::kAuth;
    e.type = "authentication_error";
  } else if (effective == 429) {
    out.cls = ErrorClass::kRateLimited;
    e.type = "rate_limit_error";
    e.code = "rate_limit_exceeded";
  } else if (effective == 503) {
    out.cls = ErrorClass::kOverloaded;
  } else if (effective == 504 || effective == 408) {
    out.cls = ErrorClass::kTimeout;
  } else if (effective >= 500) {
    out.cls = ErrorClass::kServerError;
  } else if (contains_ci(e.message, "token") &&
             (contains_ci(e.message, "exceed") || contains_ci(e.message, "too long") ||
              contains_ci(e.message, "limit"))) {
    out.cls = ErrorClass::kContextLength;
    e.code = "context_length_exceeded";
  } else if (contains_ci(e.message, "safety") || contains_ci(e.message, "blocked")) {
    out.cls = ErrorClass::kContentPolicy;
    e.code = "content_filter";
  } else {
    out.cls = ErrorClass::kClientError;
  }
  return out;
}

}  // namespace

UpstreamError classify_gemini_error_object(int http_status, simdjson::dom::element error) {
  int status = http_status;
  if (status < 400) {
    const int64_t code = json_int(error, "code");
    if (code >= 400 && code < 600) status = static_cast<int>(code);
  }
  return classify(status, json_str(error, "status"), std::string(json_str(error, "message")));
}

UpstreamError classify_gemini_error(int http_status, std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root, error;
  if (parser.parse(body.data(), body.size()).get(root) == simdjson::SUCCESS) {
    // Some Google front ends wrap the error in a one-element array.
    if (root.is_array()) {
      const simdjson::dom::array wrapped = root.get_array().value_unsafe();
      simdjson::dom::element first;
      if (wrapped.at(0).get(first) == simdjson::SUCCESS) root = first;
    }
    if (root["error"].get(error) == simdjson::SUCCESS && error.is_object())
      return classify_gemini_error_object(http_status, error);
  }
  return classify(http_status, "", "");
}

}  // namespace sy::providers::gemini
