#include "util/write_now.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/socket_base.hpp>

#include <array>
#include <string>

namespace sy::util {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// A connected pair of TCP sockets on 127.0.0.1.
struct SocketPair {
  asio::io_context io;
  tcp::socket writer{io};
  tcp::socket reader{io};
  SocketPair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    writer.connect(acceptor.local_endpoint());
    acceptor.accept(reader);
  }
};

TEST(WriteNow, WritesEveryBufferWhenTheSendBufferHasRoom) {
  SocketPair p;
  const std::string head = "HTTP/1.1 200 OK\r\n\r\n";
  const std::string body = "{\"ok\":true}";
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(body)};
  boost::system::error_code ec;
  EXPECT_EQ(write_now(p.writer, bufs, ec), head.size() + body.size());
  EXPECT_FALSE(ec);
  std::string got(head.size() + body.size(), '\0');
  asio::read(p.reader, asio::buffer(got));
  EXPECT_EQ(got, head + body);
}

TEST(WriteNow, StopsWithoutErrorWhenThePeerIsNotReading) {
  SocketPair p;
  p.writer.set_option(asio::socket_base::send_buffer_size(4096));
  p.reader.set_option(asio::socket_base::receive_buffer_size(4096));
  const std::string big(8 << 20, 'x');
  boost::system::error_code ec;
  const std::size_t n = write_now(p.writer, asio::buffer(big), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_GT(n, 0u);
  EXPECT_LT(n, big.size());
  // What was written is a prefix, in order.
  std::string got(n, '\0');
  asio::read(p.reader, asio::buffer(got));
  EXPECT_EQ(got, big.substr(0, n));
}

TEST(WriteNow, ReportsAPeerThatReset) {
  SocketPair p;
  p.reader.set_option(asio::socket_base::linger(true, 0));  // close sends RST
  p.reader.close();
  const std::string data(1024, 'y');
  boost::system::error_code ec;
  // The first write may still be accepted before the reset is seen.
  for (int i = 0; i < 100 && !ec; ++i) write_now(p.writer, asio::buffer(data), ec);
  EXPECT_TRUE(ec == asio::error::connection_reset || ec == asio::error::broken_pipe)
      << ec.message();
}

TEST(WriteNow, LeavesTheSocketNonBlockingForLaterCalls) {
  SocketPair p;
  boost::system::error_code ec;
  write_now(p.writer, asio::buffer(std::string("a")), ec);
  EXPECT_TRUE(p.writer.non_blocking());
}

}  // namespace
}  // namespace sy::util
