// ClientWriter over a real loopback connection: the direct write, the
// asynchronous remainder for a slow reader, and the write timeout for a client
// that stopped reading.
#include "server/client_writer.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/socket_base.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

namespace sy::server {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

// The gateway side as a Beast stream, the client side as a blocking socket
// read from another thread; small buffers so a large body cannot fit.
struct Connection {
  asio::io_context io;
  asio::io_context client_io;
  std::optional<boost::beast::tcp_stream> server;
  tcp::socket client{client_io};
  Connection() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    client.open(tcp::v4());
    client.set_option(asio::socket_base::receive_buffer_size(8192));
    client.connect(acceptor.local_endpoint());
    tcp::socket s(io);
    acceptor.accept(s);
    s.set_option(asio::socket_base::send_buffer_size(8192));
    server.emplace(std::move(s));
  }
};

// Sends `r` through a ClientWriter with `timeout`; returns what send() said.
bool send_response(Connection& c, const Response& r, std::chrono::milliseconds timeout,
                   bool* failed = nullptr) {
  std::optional<bool> sent;
  ClientWriter out(*c.server, timeout);
  out.reset("req-1", true);
  asio::co_spawn(
      c.io, [&]() -> asio::awaitable<void> { sent = co_await out.send(r); }, asio::detached);
  c.io.run_for(10s);
  if (failed) *failed = out.failed();
  EXPECT_TRUE(sent.has_value()) << "send() did not finish";
  return sent.value_or(false);
}

// Reads one response with a known body length from the client side.
std::string read_response(tcp::socket& client, std::size_t body_bytes,
                          std::chrono::milliseconds pause_per_read = 0ms) {
  std::string got;
  char buf[4096];
  boost::system::error_code ec;
  std::size_t head_end = std::string::npos;
  while (!ec) {
    std::size_t n = client.read_some(asio::buffer(buf), ec);
    got.append(buf, n);
    if (head_end == std::string::npos) head_end = got.find("\r\n\r\n");
    if (head_end != std::string::npos && got.size() >= head_end + 4 + body_bytes) break;
    if (pause_per_read.count() > 0) std::this_thread::sleep_for(pause_per_read);
  }
  return head_end == std::string::npos ? std::string() : got.substr(head_end + 4);
}

TEST(ClientWriter, SmallResponseIsWrittenWhole) {
  Connection c;
  Response r{200, "application/json", "{\"ok\":true}", {}};
  std::string body;
  std::thread reader([&] { body = read_response(c.client, r.body.size()); });
  EXPECT_TRUE(send_response(c, r, 1s));
  reader.join();
  EXPECT_EQ(body, r.body);
}

TEST(ClientWriter, AddedHeadersGoOutWithTheNextResponseOnly) {
  Connection c;
  ClientWriter out(*c.server, 1s);
  Response r{200, "application/json", "{}", {}};
  std::string both;  // the two responses, read until the second body arrived
  std::thread reader([&] {
    char buf[4096];
    boost::system::error_code ec;
    auto read_more = [&] { both.append(buf, c.client.read_some(asio::buffer(buf), ec)); };
    while (!ec && both.find("req-2") == std::string::npos) read_more();
    while (!ec && !both.ends_with("{}")) read_more();
  });
  asio::co_spawn(
      c.io,
      [&]() -> asio::awaitable<void> {
        out.reset("req-1", true);
        out.add_header("x-one", "1");
        out.add_header_lines("x-two: 2\r\nx-three: 3\r\n");
        co_await out.send(r);
        out.reset("req-2", true);  // a new request: no headers carried over
        co_await out.send(r);
      },
      asio::detached);
  c.io.run_for(10s);
  reader.join();
  const std::size_t second = both.find("HTTP/1.1", 1);
  ASSERT_NE(second, std::string::npos) << both;
  const std::string first_head = both.substr(0, second), second_head = both.substr(second);
  EXPECT_NE(first_head.find("\r\nx-one: 1\r\nx-two: 2\r\nx-three: 3\r\n"), std::string::npos)
      << first_head;
  EXPECT_NE(second_head.find("x-request-id: req-2\r\n"), std::string::npos) << second_head;
  EXPECT_EQ(second_head.find("x-one"), std::string::npos) << second_head;
}

TEST(ClientWriter, ASlowReaderGetsEveryByteOfALargeBody) {
  Connection c;
  std::string big(2 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  Response r{200, "application/octet-stream", big, {}};
  std::string body;
  std::thread reader([&] { body = read_response(c.client, big.size(), 1ms); });
  EXPECT_TRUE(send_response(c, r, 5s));
  reader.join();
  EXPECT_EQ(body.size(), big.size());
  EXPECT_TRUE(body == big);
}

TEST(ClientWriter, AClientThatStopsReadingIsCutOffAfterTheWriteTimeout) {
  Connection c;
  Response r{200, "application/octet-stream", std::string(8 << 20, 'x'), {}};
  const auto start = std::chrono::steady_clock::now();
  bool failed = false;
  EXPECT_FALSE(send_response(c, r, 200ms, &failed));  // nobody reads
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(failed);
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 5s);
}

}  // namespace
}  // namespace sy::server
