// Notices a client hanging up while the gateway waits on an upstream, so the
// upstream request can be cancelled instead of running to the end.
//
// Watching a socket costs a system call per request (Asio re-arms the
// descriptor with epoll_ctl), so watches start lazily: arm() only queues the
// watch on its worker's DisconnectWatches, and a per-worker tick starts the
// socket wait for watches that have been queued for at least one full tick
// (`delay` .. 2 x `delay`). A request that ends sooner never touches the
// socket; a hang-up during a long request is noticed at most 2 x `delay` late.
// Once waiting: if the peer closed (EOF or reset), the callback runs.
// Pipelined bytes are not a disconnect. Destroying the watch dequeues it or
// cancels its wait. Single-threaded: everything runs on the worker's thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace sy::server {

class DisconnectWatches;

class DisconnectWatch {
 public:
  DisconnectWatch(boost::asio::ip::tcp::socket& socket, DisconnectWatches& watches)
      : socket_(socket), watches_(watches) {}
  ~DisconnectWatch();
  DisconnectWatch(const DisconnectWatch&) = delete;
  DisconnectWatch& operator=(const DisconnectWatch&) = delete;

  // Starts watching (once); `on_disconnect` may be replaced by later calls.
  void arm(std::function<void()> on_disconnect);
  bool disconnected() const { return disconnected_; }
  // Whether the socket wait has started (for tests and metrics).
  bool waiting() const { return waiter_ != nullptr; }

 private:
  friend class DisconnectWatches;
  // Shared with the pending wait's handler, which may run after the watch
  // is gone (cancelled); `watch` is then null.
  struct Waiter {
    DisconnectWatch* watch;
  };
  void start_wait();

  boost::asio::ip::tcp::socket& socket_;
  DisconnectWatches& watches_;
  std::function<void()> callback_;
  std::shared_ptr<Waiter> waiter_;
  bool armed_ = false;
  bool disconnected_ = false;
  // Queue links (intrusive: queuing allocates nothing).
  DisconnectWatch* prev_ = nullptr;
  DisconnectWatch* next_ = nullptr;
  bool queued_ = false;
  uint64_t queued_at_tick_ = 0;
};

// One per worker: the queue of armed watches whose socket wait has not yet
// started, and the tick that starts them. The tick timer runs only while the
// queue is non-empty.
class DisconnectWatches {
 public:
  static constexpr std::chrono::milliseconds kDefaultDelay{25};

  DisconnectWatches(boost::asio::any_io_executor ex,
                    std::chrono::milliseconds delay = kDefaultDelay)
      : timer_(std::move(ex)), delay_(delay) {}
  ~DisconnectWatches();
  DisconnectWatches(const DisconnectWatches&) = delete;
  DisconnectWatches& operator=(const DisconnectWatches&) = delete;

  std::size_t queued() const { return queued_; }

 private:
  friend class DisconnectWatch;
  void enqueue(DisconnectWatch& w);
  void dequeue(DisconnectWatch& w);
  void schedule_tick();
  void on_tick();

  boost::asio::steady_timer timer_;
  std::chrono::milliseconds delay_;
  DisconnectWatch* head_ = nullptr;  // oldest first
  DisconnectWatch* tail_ = nullptr;
  std::size_t queued_ = 0;
  uint64_t tick_ = 0;
  bool ticking_ = false;
  // Cleared by the destructor so a tick still queued in Asio does nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sy::server
