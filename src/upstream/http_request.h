// An HTTP request to an upstream, as an adapter builds it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sy::upstream {

struct HttpRequest {
  std::string method = "POST";
  std::string target;  // absolute path and query on the upstream host
  std::vector<std::pair<std::string, std::string>> headers;  // not Host/Content-Length
  std::string body;
};

}  // namespace sy::upstream
