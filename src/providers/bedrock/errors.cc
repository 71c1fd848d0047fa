#include "providers/bedrock/errors.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "providers/chat_output.h"

namespace sy::providers::bedrock {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char a, char b) {
                       return std::tolower(static_cast<unsigned char>(a)) ==
                              std::tolower(static_cast<unsigned char>(b));
                     }) != haystack.end();
}

int status_for_type(std::string_view type) {
  if (iequals(type, "ValidationException")) return 400;
  if (iequals(type, "AccessDeniedException")) return 403;
  if (iequals(type, "UnrecognizedClientException")) return 403;
  if (iequals(type, "ResourceNotFoundException")) return 404;
  if (iequals(type, "ModelTimeoutException")) return 408;
  if (iequals(type, "ThrottlingException")) return 429;
  if (iequals(type, "ServiceQuotaExceededException")) return 429;
  if (iequals(type, "ModelNotReadyException")) return 429;
  if (iequals(type, "ModelErrorException")) return 424;
  if (iequals(type, "ModelStreamErrorException")) return 424;
  if (iequals(type, "InternalServerException")) return 500;
  if (iequals(type, "ServiceUnavailableException")) return 503;
  return 0;
}

UpstreamError build(int status, std::string_view type, std::string message) {
  if (const auto hash = type.rfind('#'); hash != std::string_view::npos)
    type = type.substr(hash + 1);
  if (const auto colon = type.find(':'); colon != std::string_view::npos)
    type = type.substr(0, colon);
  const int typed = status_for_type(type);
  if (status < 400) status = typed ? typed : 500;
  const int effective = typed ? typed : status;

  UpstreamError out;
  api::ApiError& e = out.error;
  e.status = status;
  e.message = message.empty() ? "The Bedrock upstream returned HTTP " + std::to_string(status) + "."
                              : std::move(message);
  e.code = std::string(type);
  e.type = effective >= 500 ? "server_error" : "invalid_request_error";
  if (effective == 401 || effective == 403) {
    out.cls = ErrorClass::kAuth;
    e.type = "authentication_error";
  } else if (effective == 408) {
    out.cls = ErrorClass::kTimeout;
  } else if (effective == 429) {
    out.cls = ErrorClass::kRateLimited;
    e.type = "rate_limit_error";
  } else if (effective == 503) {
    out.cls = ErrorClass::kOverloaded;
  } else if (effective >= 500 || effective == 424) {
    out.cls = ErrorClass::kServerError;
    e.type = "server_error";
  } else if (contains_ci(e.message, "too long") || contains_ci(e.message, "context length") ||
             contains_ci(e.message, "too many input tokens") ||
             contains_ci(e.message, "context window")) {
    out.cls = ErrorClass::kContextLength;
    e.code = "context_length_exceeded";
  } else if (contains_ci(e.message, "guardrail") || contains_ci(e.message, "content filter")) {
    out.cls = ErrorClass::kContentPolicy;
    e.code = "content_filter";
  } else {
    out.cls = ErrorClass::kClientError;
  }
  return out;
}

}  // namespace

UpstreamError classify_bedrock_error(int status, std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view type, message;
  if (parser.parse(body.data(), body.size()).get(root) == simdjson::SUCCESS && root.is_object()) {
    for (std::string_view k : {"__type", "code", "Code"}) {
      if (type.empty()) type = json_str(root, k);
    }
    for (std::string_view k : {"message", "Message"}) {
      if (message.empty()) message = json_str(root, k);
    }
  }
  return build(status, type, std::string(message));
}

UpstreamError classify_stream_exception(std::string_view exception_type, std::string_view payload) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string message;
  if (parser.parse(payload.data(), payload.size()).get(root) == simdjson::SUCCESS) {
    message = std::string(json_str(root, "message"));
    if (message.empty()) message = std::string(json_str(root, "Message"));
  }
  // Stream exception names are lowerCamel ("throttlingException"): compare case-insensitively.
  return build(0, exception_type, std::move(message));
}

}  // namespace sy::providers::bedrock
