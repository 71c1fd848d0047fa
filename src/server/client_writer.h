// Writes responses to one client connection: whole responses, or a chunked
// SSE stream event by event. A write goes straight to the socket when its
// send buffer has room (the common case); whatever does not fit is written
// asynchronously with the configured write timeout, so a client that stops
// reading cannot hold the connection. After any
// failure the writer reports failed() and the session closes. Per session;
// single-threaded.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <string>
#include <string_view>

#include "util/send_coalescer.h"
#include "server/response.h"

namespace sy::server {

class ClientWriter {
 public:
  // `coalescer` (optional): the worker's, so writes made while other
  // requests are in flight go out together (util/send_coalescer.h).
  ClientWriter(boost::beast::tcp_stream& stream, std::chrono::milliseconds write_timeout,
               util::SendCoalescer* coalescer = nullptr)
      : stream_(stream), write_timeout_(write_timeout), coalescer_(coalescer) {}

  // Per request: reset before each request on a keep-alive connection.
  // `from_client`: the id is the client's x-request-id (may repeat).
  void reset(std::string request_id, bool keep_alive, bool from_client = false) {
    request_id_ = std::move(request_id);
    request_id_from_client_ = from_client;
    keep_alive_ = keep_alive;
    extra_headers_.clear();
    responded_ = false;
  }
  // Adds a header to whatever response is sent next.
  void add_header(std::string_view name, std::string_view value) {
    extra_headers_ += name;
    extra_headers_ += ": ";
    extra_headers_ += value;
    extra_headers_ += "\r\n";
  }
  // Adds header lines already rendered as "name: value\r\n" (any number).
  void add_header_lines(std::string_view lines) { extra_headers_ += lines; }

  boost::asio::awaitable<bool> send(const Response& r);
  boost::asio::awaitable<bool> begin_stream(int status);
  boost::asio::awaitable<bool> write_chunk(std::string_view data);
  boost::asio::awaitable<bool> end_stream();

  bool failed() const { return failed_; }
  bool responded() const { return responded_; }
  bool keep_alive() const { return keep_alive_; }
  void set_keep_alive(bool v) { keep_alive_ = v; }
  const std::string& request_id() const { return request_id_; }
  bool request_id_from_client() const { return request_id_from_client_; }

 private:
  void append_common_headers(std::string& head) const;
  // Writes a, b and c in order; owns `a` (a response head) so the callers
  // need not be coroutines to keep it alive.
  boost::asio::awaitable<bool> write_raw(std::string a, std::string_view b = {},
                                         std::string_view c = {});

  boost::beast::tcp_stream& stream_;
  std::chrono::milliseconds write_timeout_;
  util::SendCoalescer* coalescer_;
  std::string request_id_;
  bool request_id_from_client_ = false;
  std::string extra_headers_;  // "name: value\r\n" lines
  bool keep_alive_ = true;
  bool failed_ = false;
  bool responded_ = false;
};

}  // namespace sy::server
