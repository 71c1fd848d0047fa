// One worker: an io_context on its own thread with its own acceptor
// (SO_REUSEPORT), upstream connection pool and session registry. All of a
// worker's state is touched only from its thread; the Server talks to it by
// posting to its io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <list>
#include <memory>

#include "config/config.h"
#include "server/disconnect_watch.h"
#include "telemetry/registry.h"
#include "upstream/pool.h"
#include "util/send_coalescer.h"

namespace sy::server {

struct SharedState;  // server.h

class Worker {
 public:
  Worker(int index, SharedState& shared);

  // Binds the worker's acceptor; throws on failure (start-up only).
  void bind(const boost::asio::ip::tcp::endpoint& ep);
  uint16_t local_port() const;
  // Runs the accept loop and the io_context until stopped (blocking).
  void run();
  // Posts: stop accepting, close idle keep-alive sessions, let active ones finish.
  void begin_drain();
  void stop() { ioc_.stop(); }

  boost::asio::io_context& io() { return ioc_; }
  upstream::Pool& pool() { return pool_; }
  util::SendCoalescer& send_coalescer() { return send_coalescer_; }
  util::SendCoalescer::InFlightCount& requests_in_flight() { return requests_in_flight_; }
  DisconnectWatches& disconnect_watches() { return disconnect_watches_; }
  telemetry::Shard& metrics();
  SharedState& shared() { return shared_; }
  int index() const { return index_; }

  // Session registry, for draining idle connections.
  struct SessionEntry {
    boost::beast::tcp_stream* stream;
    bool idle;  // waiting for the next request
  };
  using SessionHandle = std::list<SessionEntry>::iterator;
  SessionHandle register_session(boost::beast::tcp_stream* s);
  void unregister_session(SessionHandle h);
  bool draining() const { return draining_; }

 private:
  boost::asio::awaitable<void> accept_loop();
  // Keeps a timer due within 500 ms armed until the drain: Asio's reactor
  // reprograms its timerfd only when a new timer is the earliest, so per-
  // operation timeouts (seconds away) then cost no timerfd_settime syscall.
  boost::asio::awaitable<void> heartbeat();

  int index_;
  SharedState& shared_;
  // One thread runs it; other threads only post to it (drain, Redis
  // replies), so descriptor operations need no locks.
  // Before ioc_: request frames destroyed with ioc_'s pending handlers
  // still count down into it.
  util::SendCoalescer::InFlightCount requests_in_flight_;
  boost::asio::io_context ioc_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  boost::asio::ip::tcp::acceptor acceptor_;
  util::SendCoalescer send_coalescer_{ioc_.get_executor(), requests_in_flight_};
  upstream::Pool pool_;
  std::list<SessionEntry> sessions_;
  boost::asio::steady_timer heartbeat_{ioc_};
  DisconnectWatches disconnect_watches_{ioc_.get_executor()};
  bool draining_ = false;
};

}  // namespace sy::server
