#include "server/client_writer.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/http/status.hpp>
#include <fmt/format.h>

#include <array>

#include "util/write_now.h"

namespace sy::server {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {
constexpr auto kToken = asio::as_tuple(asio::use_awaitable);

void append_status_line(std::string& head, int status) {
  head += "HTTP/1.1 ";
  head += std::to_string(status);
  head += ' ';
  head += http::obsolete_reason(static_cast<http::status>(status));
  head += "\r\n";
}
}  // namespace

void ClientWriter::append_common_headers(std::string& head) const {
  head += "server: switchyard\r\nx-request-id: ";
  head += request_id_;
  head += "\r\n";
  head += extra_headers_;
  if (!keep_alive_) head += "connection: close\r\n";
}

asio::awaitable<bool> ClientWriter::write_raw(std::string a, std::string_view b,
                                              std::string_view c) {
  if (failed_) co_return false;
  std::array<asio::const_buffer, 3> bufs{asio::buffer(a.data(), a.size()),
                                         asio::buffer(b.data(), b.size()),
                                         asio::buffer(c.data(), c.size())};
  // Usually the whole write fits in the socket's send buffer at once.
  boost::system::error_code ec;
  std::size_t now = 0;
  if (coalescer_ != nullptr && coalescer_->busy()) {
    auto [hec, n] = co_await coalescer_->write(stream_.socket(), bufs, kToken);
    ec = hec;
    now = n;
  } else {
    now = util::write_now(stream_.socket(), bufs, ec);
  }
  if (!ec && now < asio::buffer_size(bufs)) {
    // The client is not reading fast enough: wait for room, with the timeout.
    boost::beast::buffers_suffix<std::array<asio::const_buffer, 3>> rest(bufs);
    rest.consume(now);
    stream_.expires_after(write_timeout_);
    auto [wec, n] = co_await asio::async_write(stream_, rest, kToken);
    stream_.expires_never();
    ec = wec;
  }
  if (ec) failed_ = true;
  co_return !ec;
}

// send(), begin_stream() and end_stream() are not coroutines themselves:
// they hand back write_raw's (which owns the head), a frame and a resumption
// fewer per response.
asio::awaitable<bool> ClientWriter::send(const Response& r) {
  responded_ = true;
  std::string head;
  head.reserve(256);
  append_status_line(head, r.status);
  head += "content-type: ";
  head += r.content_type;
  head += "\r\ncontent-length: ";
  head += std::to_string(r.body.size());
  head += "\r\n";
  for (const auto& [k, v] : r.headers) {
    head += k;
    head += ": ";
    head += v;
    head += "\r\n";
  }
  append_common_headers(head);
  head += "\r\n";
  return write_raw(std::move(head), r.body);
}

asio::awaitable<bool> ClientWriter::begin_stream(int status) {
  responded_ = true;
  std::string head;
  head.reserve(256);
  append_status_line(head, status);
  head += "content-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n";
  append_common_headers(head);
  head += "\r\n";
  return write_raw(std::move(head));
}

asio::awaitable<bool> ClientWriter::write_chunk(std::string_view data) {
  if (data.empty()) co_return !failed_;
  char size_line[24];
  auto res = fmt::format_to_n(size_line, sizeof size_line - 2, "{:x}\r\n", data.size());
  co_return co_await write_raw(std::string(size_line, res.size), data, "\r\n");
}

asio::awaitable<bool> ClientWriter::end_stream() { return write_raw("0\r\n\r\n"); }

}  // namespace sy::server
