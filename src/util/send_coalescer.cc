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
  std::vector<Held> batch;
  batch.swap(held_);  // writes held from now on go to the next pass
  for (Held& h : batch) {
    if (!h.socket->is_open()) {
      h.ec = boost::asio::error::operation_aborted;
      continue;
    }
    if (!h.socket->non_blocking()) {
      h.socket->non_blocking(true, h.ec);
      if (h.ec) continue;
    }
    h.written = send_now(h.socket->native_handle(), h.iov.data(), h.count, h.ec);
  }
  // Every write went out; the writers resume after the next poll.
  boost::asio::post(ex_, [batch = std::move(batch)]() mutable {
    for (Held& h : batch) std::move(h.handler)(h.ec, h.written);
  });
}

}  // namespace sy::util
