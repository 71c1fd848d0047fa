#include "upstream/url.h"

#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include <charconv>

namespace sy::upstream {

std::string Url::origin() const {
  return fmt::format("{}://{}:{}", tls ? "https" : "http", host, port);
}

Expected<Url, std::string> parse_url(std::string_view text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return unexpected(fmt::format("'{}' is not an absolute URL", text));
  const auto& u = *parsed;
  Url url;
  std::string scheme(u.scheme());
  if (scheme == "https") {
    url.tls = true;
  } else if (scheme != "http") {
    return unexpected(fmt::format("'{}': scheme must be http or https", text));
  }
  url.host = std::string(u.encoded_host_address());
  if (!url.host.empty() && url.host.front() == '[') url.host = url.host.substr(1, url.host.size() - 2);
  if (url.host.empty()) return unexpected(fmt::format("'{}' has no host", text));
  if (u.has_port()) {
    // port_number() wraps values above 65535, so check the digits themselves.
    std::string_view digits = u.port();
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value == 0 ||
        value > 65535) {
      return unexpected(fmt::format("'{}' has an invalid port", text));
    }
    url.port = static_cast<uint16_t>(value);
  } else {
    url.port = url.tls ? 443 : 80;
  }
  if (u.has_query() || u.has_fragment()) {
    return unexpected(fmt::format("'{}': a base URL takes no query or fragment", text));
  }
  url.base_path = std::string(u.encoded_path());
  while (!url.base_path.empty() && url.base_path.back() == '/') url.base_path.pop_back();
  bool default_port = url.port == (url.tls ? 443 : 80);
  std::string host_for_header = std::string(u.encoded_host_and_port());
  url.host_header = default_port ? std::string(u.encoded_host()) : host_for_header;
  return url;
}

}  // namespace sy::upstream
