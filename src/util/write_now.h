// write_now: writes what a socket accepts right now, without waiting and
// without the event loop. A small response to a peer that is reading fits in
// the kernel's send buffer, so the common case costs one sendmsg and none of
// an asynchronous write's machinery (composed operation, timer, handler post,
// coroutine resumption). The caller finishes any remainder with an ordinary
// asynchronous write and its timeout.
//
// Contract: returns the bytes written, a prefix of `buffers`. `ec` is set only
// for a real failure (peer reset, broken pipe); "would block" is not an error,
// it just stops early. Puts the socket in non-blocking mode (once; asynchronous
// operations are unaffected). The caller must have no other write pending on
// the socket.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>

namespace sy::util {

template <class Socket, class ConstBufferSequence>
std::size_t write_now(Socket& socket, const ConstBufferSequence& buffers,
                      boost::system::error_code& ec) {
  ec = {};
  if (!socket.non_blocking()) {
    socket.non_blocking(true, ec);
    if (ec) return 0;
  }
  const std::size_t total = boost::asio::buffer_size(buffers);
  boost::beast::buffers_suffix<ConstBufferSequence> rest(buffers);
  std::size_t written = 0;
  while (written < total) {
    const std::size_t n = socket.write_some(rest, ec);
    if (ec) {
      if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) ec = {};
      break;
    }
    rest.consume(n);
    written += n;
  }
  return written;
}

}  // namespace sy::util
