#include "server/worker.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "server/response.h"
#include "server/server.h"
#include "server/session.h"

namespace sy::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
upstream::PoolOptions pool_options(const config::UpstreamOptions& o) {
  return {o.connect_timeout, o.pool_idle_timeout, o.max_idle_per_origin};
}

// Releases a connection slot when the session ends, however it ends.
struct ConnectionSlot {
  std::atomic<int>& n;
  ~ConnectionSlot() { n.fetch_sub(1, std::memory_order_relaxed); }
};

asio::awaitable<void> refuse_busy(tcp::socket socket) {
  static const std::string kBody = api::error_body(
      api::service_unavailable("The gateway is at its connection limit; retry shortly.",
                               "too_many_connections"));
  std::string msg = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
                    "retry-after: 1\r\nconnection: close\r\ncontent-length: " +
                    std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
  co_await asio::async_write(socket, asio::buffer(msg), asio::as_tuple(asio::use_awaitable));
  boost::system::error_code ec;
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}
}  // namespace

Worker::Worker(int index, SharedState& shared)
    : index_(index),
      shared_(shared),
      acceptor_(ioc_),
      pool_(ioc_.get_executor(), shared.tls, pool_options(shared.config->upstream),
            &send_coalescer_) {}

void Worker::bind(const tcp::endpoint& ep) {
  acceptor_.open(ep.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  int one = 1;
  ::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  acceptor_.bind(ep);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

telemetry::Shard& Worker::metrics() { return shared_.metrics->shard(static_cast<std::size_t>(index_)); }

uint16_t Worker::local_port() const { return acceptor_.local_endpoint().port(); }

void Worker::run() {
  asio::co_spawn(ioc_, accept_loop(), asio::detached);
  asio::co_spawn(ioc_, heartbeat(), asio::detached);
  ioc_.run();
}

asio::awaitable<void> Worker::heartbeat() {
  constexpr std::chrono::milliseconds kHeartbeat{500};
  while (!draining_) {
    heartbeat_.expires_after(kHeartbeat);
    co_await heartbeat_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> Worker::accept_loop() {
  const int max_conn = shared_.config->limits.max_connections;
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (!acceptor_.is_open() || draining_) co_return;
      if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space) {
        // Out of file descriptors: back off briefly instead of spinning.
        asio::steady_timer t(ioc_, std::chrono::milliseconds(50));
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    if (shared_.connections.fetch_add(1, std::memory_order_relaxed) >= max_conn) {
      shared_.connections.fetch_sub(1, std::memory_order_relaxed);
      asio::co_spawn(ioc_, refuse_busy(std::move(socket)), asio::detached);
      continue;
    }
    asio::co_spawn(
        ioc_,
        [this, s = std::move(socket)]() mutable -> asio::awaitable<void> {
          ConnectionSlot slot{shared_.connections};
          co_await run_session(*this, std::move(s));
        },
        asio::detached);
  }
}

void Worker::begin_drain() {
  asio::post(ioc_, [this] {
    draining_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    heartbeat_.cancel();
    for (auto& s : sessions_) {
      if (s.idle) s.stream->socket().cancel(ec);
    }
  });
}

Worker::SessionHandle Worker::register_session(boost::beast::tcp_stream* s) {
  sessions_.push_front({s, false});
  return sessions_.begin();
}

void Worker::unregister_session(SessionHandle h) { sessions_.erase(h); }

}  // namespace sy::server
