#include "upstream/request_head.h"

#include <boost/beast/core/string.hpp>

#include <charconv>

namespace sy::upstream {

std::optional<std::string> serialize_head(const HttpRequest& req, std::string_view host_header) {
  if (req.method != "POST") return std::nullopt;
  std::size_t size = req.method.size() + req.target.size() + host_header.size() + 96;
  using boost::beast::iequals;
  for (std::size_t i = 0; i < req.headers.size(); ++i) {
    const std::string& name = req.headers[i].first;
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
        iequals(name, "host") || iequals(name, "user-agent")) {
      return std::nullopt;
    }
    // Beast groups a repeated name after its first occurrence: leave that to Beast.
    for (std::size_t j = 0; j < i; ++j) {
      if (iequals(name, req.headers[j].first)) return std::nullopt;
    }
    size += name.size() + req.headers[i].second.size() + 4;
  }
  std::string head;
  head.reserve(size);
  head += req.method;
  head += ' ';
  head += req.target;
  head += " HTTP/1.1\r\nHost: ";
  head += host_header;
  head += "\r\nUser-Agent: switchyard\r\n";
  for (const auto& [name, value] : req.headers) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  head += "Content-Length: ";
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, req.body.size());
  head.append(digits, end);
  head += "\r\n\r\n";
  return head;
}

}  // namespace sy::upstream
