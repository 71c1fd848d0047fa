// A parsed upstream base URL (scheme, host, port, path prefix).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/expected.h"

namespace sy::upstream {

struct Url {
  bool tls = false;
  std::string host;          // name or address, without brackets
  uint16_t port = 0;
  std::string base_path;     // no trailing slash, e.g. "/v1" or ""
  std::string host_header;   // Host header value ("host" or "host:port")
  std::string origin() const;  // "https://host:port", the connection-pool key
};

// Accepts http:// and https:// URLs; error text says what is wrong.
Expected<Url, std::string> parse_url(std::string_view text);

}  // namespace sy::upstream
