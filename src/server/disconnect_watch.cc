#include "server/disconnect_watch.h"

#include <sys/socket.h>

#include <cerrno>

namespace sy::server {

void DisconnectWatch::arm(std::function<void()> on_disconnect) {
  callback_ = std::move(on_disconnect);
  if (armed_) return;
  armed_ = true;
  watches_.enqueue(*this);
}

void DisconnectWatch::start_wait() {
  waiter_ = std::make_shared<Waiter>(Waiter{this});
  int fd = socket_.native_handle();
  socket_.async_wait(boost::asio::ip::tcp::socket::wait_read,
                     [waiter = waiter_, fd](const boost::system::error_code& ec) {
                       DisconnectWatch* w = waiter->watch;
                       if (ec || w == nullptr) return;
                       char c;
                       ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
                       bool closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
                       if (!closed) return;  // pipelined bytes: not a hang-up
                       w->disconnected_ = true;
                       if (w->callback_) w->callback_();
                     });
}

DisconnectWatch::~DisconnectWatch() {
  if (queued_) watches_.dequeue(*this);
  if (!waiter_) return;
  waiter_->watch = nullptr;
  if (!disconnected_) {
    boost::system::error_code ec;
    socket_.cancel(ec);
  }
}

DisconnectWatches::~DisconnectWatches() {
  *alive_ = false;
  while (head_ != nullptr) dequeue(*head_);
}

void DisconnectWatches::enqueue(DisconnectWatch& w) {
  w.queued_ = true;
  w.queued_at_tick_ = tick_;
  w.prev_ = tail_;
  w.next_ = nullptr;
  (tail_ != nullptr ? tail_->next_ : head_) = &w;
  tail_ = &w;
  ++queued_;
  if (!ticking_) schedule_tick();
}

void DisconnectWatches::dequeue(DisconnectWatch& w) {
  (w.prev_ != nullptr ? w.prev_->next_ : head_) = w.next_;
  (w.next_ != nullptr ? w.next_->prev_ : tail_) = w.prev_;
  w.prev_ = w.next_ = nullptr;
  w.queued_ = false;
  --queued_;
}

void DisconnectWatches::schedule_tick() {
  ticking_ = true;
  timer_.expires_after(delay_);
  timer_.async_wait([this, alive = alive_](const boost::system::error_code&) {
    if (*alive) on_tick();
  });
}

void DisconnectWatches::on_tick() {
  ++tick_;
  // Queued before the previous tick: waited at least one full `delay_`.
  while (head_ != nullptr && head_->queued_at_tick_ + 1 < tick_) {
    DisconnectWatch& w = *head_;
    dequeue(w);
    w.start_wait();
  }
  ticking_ = false;
  if (head_ != nullptr) schedule_tick();
}

}  // namespace sy::server
