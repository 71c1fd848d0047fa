#include "server/disconnect_watch.h"

#include <sys/socket.h>

namespace sy::server {

void DisconnectWatch::arm(std::function<void()> on_disconnect) {
  if (state_) {
    state_->callback = std::move(on_disconnect);
    return;
  }
  state_ = std::make_shared<State>();
  state_->callback = std::move(on_disconnect);
  int fd = socket_.native_handle();
  socket_.async_wait(boost::asio::ip::tcp::socket::wait_read,
                     [state = state_, fd](const boost::system::error_code& ec) {
                       if (ec || state->done) return;
                       char c;
                       ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
                       bool closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
                       if (!closed) return;
                       state->disconnected = true;
                       if (state->callback) state->callback();
                     });
}

DisconnectWatch::~DisconnectWatch() {
  if (!state_) return;
  state_->done = true;
  state_->callback = nullptr;
  if (!state_->disconnected) {
    boost::system::error_code ec;
    socket_.cancel(ec);
  }
}

}  // namespace sy::server
