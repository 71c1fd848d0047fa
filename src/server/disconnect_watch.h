// Notices a client hanging up while the gateway waits on an upstream, so the
// upstream request can be cancelled at once instead of running to the end.
// arm() waits for the client socket to become readable; if the peer closed
// (EOF or reset), the callback runs. Pipelined bytes are not a disconnect.
// The wait starts once the caller's coroutine next suspends (it is posted),
// so its system call is not on the way to the upstream. Destroying the watch
// cancels the wait. Single-threaded, per request.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>

namespace sy::server {

class DisconnectWatch {
 public:
  explicit DisconnectWatch(boost::asio::ip::tcp::socket& socket) : socket_(socket) {}
  ~DisconnectWatch();
  DisconnectWatch(const DisconnectWatch&) = delete;
  DisconnectWatch& operator=(const DisconnectWatch&) = delete;

  // Starts watching (once); `on_disconnect` may be replaced by later calls.
  void arm(std::function<void()> on_disconnect);
  bool disconnected() const { return state_ && state_->disconnected; }

 private:
  struct State {
    bool done = false;
    bool waiting = false;  // the posted start ran
    bool disconnected = false;
    std::function<void()> callback;
  };
  boost::asio::ip::tcp::socket& socket_;
  std::shared_ptr<State> state_;
};

}  // namespace sy::server
