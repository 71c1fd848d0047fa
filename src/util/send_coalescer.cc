#include "util/send_coalescer.h"

#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <cerrno>

namespace sy::util {

namespace {

// Writes what the socket accepts now, like write_now; advances `iov`.
std::size_t send_now(int fd, iovec* iov, std::size_t count, boost::system::error_code& ec) {
  std::size_t written = 0;
  while (count > 0) {
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = count;
    const ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        ec.assign(errno, boost::system::system_category());
      }
      break;
    }
    written += static_cast<std::size_t>(n);
    std::size_t left = static_cast<std::size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return written;
}

}  // namespace

void SendCoalescer::hold(Held h) {
  held_.push_back(std::move(h));
  if (held_.size() > 1) return;
  boost::asio::post(ex_, [this, alive = alive_] {
    if (*alive) flush();
  });
}

void SendCoalescer::flush() {
  flushing_.swap(held_);  // writes held while resuming go to the next pass
  struct Result {
    boost::system::error_code ec;
    std::size_t written = 0;
  };
  // First every write, back to back; then every continuation.
  std::array<Result, 64> small;
  std::vector<Result> large;
  Result* results = small.data();
  if (flushing_.size() > small.size()) {
    large.resize(flushing_.size());
    results = large.data();
  }
  for (std::size_t i = 0; i < flushing_.size(); ++i) {
    Held& h = flushing_[i];
    Result& r = results[i];
    if (!h.socket->is_open()) {
      r.ec = boost::asio::error::operation_aborted;
      continue;
    }
    if (!h.socket->non_blocking()) {
      h.socket->non_blocking(true, r.ec);
      if (r.ec) continue;
    }
    r.written = send_now(h.socket->native_handle(), h.iov.data(), h.count, r.ec);
  }
  for (std::size_t i = 0; i < flushing_.size(); ++i) {
    Handler handler = std::move(flushing_[i].handler);
    std::move(handler)(results[i].ec, results[i].written);
  }
  flushing_.clear();
}

}  // namespace sy::util
