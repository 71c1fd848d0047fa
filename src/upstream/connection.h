// One keep-alive connection to an upstream origin, plain TCP or TLS.
// Owned by one worker's Pool or by the exchange using it; never shared
// between threads.
#pragma once

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "util/lazy_deadline.h"

namespace sy::upstream {

namespace asio = boost::asio;
namespace beast = boost::beast;
using SteadyClock = std::chrono::steady_clock;

class Connection {
 public:
  // Reads go into buffer(); it starts with room for a typical response head
  // and body (kReadBufferBytes), so one recv usually takes the whole answer
  // instead of Beast's 512-byte steps.
  static constexpr std::size_t kReadBufferBytes = 16 * 1024;
  explicit Connection(std::unique_ptr<beast::tcp_stream> plain)
      : plain_(std::move(plain)), deadline_(plain_->get_executor(), cancel_io()) {
    buffer_.reserve(kReadBufferBytes);
  }
  explicit Connection(std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls)
      : tls_(std::move(tls)), deadline_(tls_->get_executor(), cancel_io()) {
    buffer_.reserve(kReadBufferBytes);
  }

  // The TCP layer (connect deadlines are Beast's, set here).
  beast::tcp_stream& tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }
  // The deadline of the exchange's reads and writes: when it passes, the
  // operation in progress ends with operation_aborted and
  // deadline().expired() is true.
  util::LazyDeadline& deadline() { return deadline_; }
  beast::flat_buffer& buffer() { return buffer_; }
  // True for TLS: bytes written must go through the TLS stream, not the socket.
  bool encrypted() const { return tls_ != nullptr; }

  // Calls op(stream) with the concrete stream type: the TLS stream, or the
  // bare socket of a plain connection (its deadlines are deadline()'s, so
  // Beast's timer layer would only add cost per operation). Both branches
  // must return the same type (e.g. the same awaitable).
  template <class Op>
  auto visit(Op&& op) {
    return tls_ ? op(*tls_) : op(plain_->socket());
  }

  // False if the connection is closed or holds unread bytes; with `peek`,
  // also if the peer closed it or sent bytes while it sat idle (one
  // non-blocking recv(MSG_PEEK) system call).
  bool reusable(bool peek);
  void close();

  SteadyClock::time_point idle_since{};
  uint64_t requests = 0;

 private:
  std::function<void()> cancel_io() {
    return [this] {
      beast::error_code ignored;
      tcp().socket().cancel(ignored);
    };
  }

  std::unique_ptr<beast::tcp_stream> plain_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_;
  util::LazyDeadline deadline_;
  beast::flat_buffer buffer_;
};

}  // namespace sy::upstream
