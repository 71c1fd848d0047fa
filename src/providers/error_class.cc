#include "providers/adapter.h"

namespace sy::providers {

bool retryable(ErrorClass c) {
  switch (c) {
    case ErrorClass::kRateLimited:
    case ErrorClass::kOverloaded:
    case ErrorClass::kServerError:
    case ErrorClass::kTransport:
    case ErrorClass::kTimeout:
      return true;
    default:
      return false;
  }
}

std::string_view to_string(ErrorClass c) {
  switch (c) {
    case ErrorClass::kNone: return "none";
    case ErrorClass::kClientError: return "client_error";
    case ErrorClass::kAuth: return "auth";
    case ErrorClass::kContextLength: return "context_length";
    case ErrorClass::kContentPolicy: return "content_policy";
    case ErrorClass::kRateLimited: return "rate_limited";
    case ErrorClass::kOverloaded: return "overloaded";
    case ErrorClass::kServerError: return "server_error";
    case ErrorClass::kTransport: return "transport";
    case ErrorClass::kTimeout: return "timeout";
  }
  return "unknown";
}

}  // namespace sy::providers
