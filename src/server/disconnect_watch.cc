#include "server/disconnect_watch.h"

#include <sys/socket.h>

#include <boost/asio/post.hpp>

namespace sy::server {

void DisconnectWatch::arm(std::function<void()> on_disconnect) {
  if (state_) {
    state_->callback = std::move(on_disconnect);
    return;
  }
  state_ = std::make_shared<State>();
  state_->callback = std::move(on_disconnect);
  // Starting the wait costs a system call (Asio re-arms the descriptor with
  // epoll_ctl). Posted, it runs once the request's coroutine suspends, i.e.
  // while the upstream is working, instead of before the upstream request.
  boost::asio::post(socket_.get_executor(), [state = state_, &socket = socket_] {
    if (state->done) return;  // the request ended first
    state->waiting = true;
    int fd = socket.native_handle();
    socket.async_wait(boost::asio::ip::tcp::socket::wait_read,
                      [state, fd](const boost::system::error_code& ec) {
                        if (ec || state->done) return;
                        char c;
                        ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
                        bool closed =
                            n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
                        if (!closed) return;
                        state->disconnected = true;
                        if (state->callback) state->callback();
                      });
  });
}

DisconnectWatch::~DisconnectWatch() {
  if (!state_) return;
  state_->done = true;
  state_->callback = nullptr;
  if (state_->waiting && !state_->disconnected) {
    boost::system::error_code ec;
    socket_.cancel(ec);
  }
}

}  // namespace sy::server
