// A tiny blocking HTTP/1.1 client for the emulator tests (Beast, sync).
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sy::emulator::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  bool complete = true;  // false when the connection ended mid-body
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class Connection {
 public:
  explicit Connection(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }

  void send(const std::string& method, const std::string& target, const Headers& headers,
            const std::string& body) {
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(socket_, req);
  }

  Response receive() {
    Response out;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    beast::error_code ec;
    http::read(socket_, buffer_, parser, ec);
    out.complete = !ec;
    auto& res = parser.get();
    out.status = res.result_int();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.body = res.body();
    return out;
  }

  Response request(const std::string& method, const std::string& target, const Headers& headers,
                   const std::string& body = {}) {
    send(method, target, headers, body);
    return receive();
  }

  // Reads the response head only (the body stays on the socket).
  int read_head() {
    head_parser_.emplace();
    http::read_header(socket_, buffer_, *head_parser_);
    return head_parser_->get().result_int();
  }
  // Reads some raw bytes after read_head().
  std::size_t read_some() {
    char buf[256];
    return socket_.read_some(net::buffer(buf));
  }

  void close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

 private:
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::empty_body>> head_parser_;
};

inline Response http_request(uint16_t port, const std::string& method, const std::string& target,
                             const Headers& headers, const std::string& body = {}) {
  Connection c(port);
  return c.request(method, target, headers, body);
}

}  // namespace sy::emulator::testing
