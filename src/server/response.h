// A complete (non-streamed) response, independent of the HTTP library, so
// route handlers are pure functions testable without sockets.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "api/error.h"

namespace sy::server {

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

inline Response error_response(const api::ApiError& e) {
  return {e.status, "application/json", api::error_body(e), {}};
}

}  // namespace sy::server
