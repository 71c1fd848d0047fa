// parse_buffered: feeds a Beast HTTP parser the bytes its read buffer already
// holds, without I/O. A request's body or a response's body usually arrives
// in the same segment as its header, so after the header read it is already
// in the buffer; Beast's asynchronous read would parse it too, but completes
// through the event loop (a posted handler, a reactor poll, a coroutine
// resumption) although it never waits. Call this first and start the
// asynchronous read only when the parser still needs bytes.
//
// Contract: parses as much as the buffer holds (consuming it) until the
// message is done or more bytes are needed. `ec` is the parser's error:
// http::error::need_more is not reported (the caller reads on);
// http::error::need_buffer (a buffer_body whose buffer is full) is reported,
// as Beast's reads report it.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace sy::util {

template <class Parser>
void parse_buffered(Parser& parser, boost::beast::flat_buffer& buffer,
                    boost::beast::error_code& ec) {
  ec = {};
  while (buffer.size() > 0 && !parser.is_done()) {
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == boost::beast::http::error::need_more) {
      ec = {};
      return;
    }
    if (ec || used == 0) return;
  }
}

}  // namespace sy::util
