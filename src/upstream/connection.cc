#include "upstream/connection.h"

#include <sys/socket.h>

namespace sy::upstream {

bool Connection::reusable(bool peek) {
  auto& sock = tcp().socket();
  if (!sock.is_open() || buffer_.size() != 0) return false;
  if (!peek) return true;
  char c;
  ssize_t n = ::recv(sock.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void Connection::close() {
  beast::error_code ec;
  tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  tcp().socket().close(ec);
}

}  // namespace sy::upstream
