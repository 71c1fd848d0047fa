// Exchange against a scripted upstream on 127.0.0.1: deadlines (first byte,
// stream idle, total, and a slow stream on a fresh connection that outlives
// the connect timeout: the connect deadline must not follow the connection),
// and a pooled connection the upstream closed while it sat idle.
#include "upstream/exchange.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "upstream/pool.h"
#include "upstream/url.h"

namespace sy::upstream {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;

// What the upstream does after reading a request: pieces of its answer, each
// sent after its delay; then it keeps the connection open and silent.
struct Step {
  std::chrono::milliseconds delay;
  std::string bytes;
};

asio::awaitable<void> serve_one(tcp::acceptor& acceptor, std::vector<Step> script) {
  tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    std::size_t n = co_await socket.async_read_some(asio::buffer(buf), asio::use_awaitable);
    request.append(buf, n);
  }
  asio::steady_timer timer(socket.get_executor());
  for (const Step& s : script) {
    timer.expires_after(s.delay);
    co_await timer.async_wait(asio::use_awaitable);
    co_await asio::async_write(socket, asio::buffer(s.bytes), asio::use_awaitable);
  }
  timer.expires_after(10s);  // silent, connection open
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

std::string chunk(std::string_view data) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

const std::string kStreamHead =
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";

struct Result {
  std::optional<Failure> failure;  // of start() or of a read
  bool started = false;
  std::string body;
};

// Runs one exchange against `script`; returns what the client saw.
Result run_exchange(std::vector<Step> script, PoolOptions pool_options, Deadlines deadlines) {
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  auto url = parse_url("http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()));
  EXPECT_TRUE(url.has_value());
  Pool pool(io.get_executor(), tls, pool_options);
  Result out;
  asio::co_spawn(io, serve_one(acceptor, std::move(script)), asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        struct StopAtEnd {
          asio::io_context& io;
          ~StopAtEnd() { io.stop(); }
        } stop{io};
        Exchange ex(pool, *url, deadlines);
        HttpRequest req;
        req.target = "/v1/chat/completions";
        req.body = "{}";
        auto head = co_await ex.start(req);
        if (!head) {
          out.failure = head.error();
          co_return;
        }
        out.started = true;
        for (;;) {
          auto piece = co_await ex.read_some();
          if (!piece) {
            out.failure = piece.error();
            co_return;
          }
          if (piece->empty()) break;
          out.body.append(*piece);
        }
        ex.finish();
      },
      asio::detached);
  io.run_for(5s);
  return out;
}

TEST(ExchangeDeadlines, SlowStreamOnAFreshConnectionOutlivesTheConnectTimeout) {
  PoolOptions pool;
  pool.connect_timeout = 100ms;
  Deadlines d;
  d.first_byte = 1s;
  d.stream_idle = 400ms;
  std::vector<Step> script{{0ms, kStreamHead}};
  std::string expected;
  for (int i = 0; i < 5; ++i) {
    std::string event = "data: " + std::to_string(i) + "\n\n";
    expected += event;
    script.push_back({60ms, chunk(event)});  // 300 ms in all: 3x the connect timeout
  }
  script.push_back({0ms, "0\r\n\r\n"});
  Result r = run_exchange(script, pool, d);
  EXPECT_FALSE(r.failure) << r.failure->message;
  EXPECT_EQ(r.body, expected);
}

TEST(ExchangeDeadlines, SilentUpstreamTimesOutAtTheFirstByteDeadline) {
  Deadlines d;
  d.first_byte = 150ms;
  const auto start = std::chrono::steady_clock::now();
  Result r = run_exchange({}, PoolOptions{}, d);
  ASSERT_TRUE(r.failure);
  EXPECT_FALSE(r.started);
  EXPECT_EQ(r.failure->kind, FailureKind::kTimeout) << r.failure->message;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
}

TEST(ExchangeDeadlines, StalledBodyTimesOutAtTheStreamIdleDeadline) {
  Deadlines d;
  d.first_byte = 1s;
  d.stream_idle = 150ms;
  Result r = run_exchange({{0ms, kStreamHead}, {10ms, chunk("data: 1\n\n")}}, PoolOptions{}, d);
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.body, "data: 1\n\n");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->kind, FailureKind::kTimeout) << r.failure->message;
}

TEST(ExchangeDeadlines, TotalDeadlineCutsAStreamThatKeepsTalking) {
  Deadlines d;
  d.first_byte = 1s;
  d.stream_idle = 1s;
  d.total = 200ms;
  std::vector<Step> script{{0ms, kStreamHead}};
  for (int i = 0; i < 20; ++i) script.push_back({50ms, chunk("data: x\n\n")});
  Result r = run_exchange(script, PoolOptions{}, d);
  EXPECT_TRUE(r.started);
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->kind, FailureKind::kTimeout) << r.failure->message;
  EXPECT_LT(r.body.size(), 20 * std::string("data: x\n\n").size());
}


// Reads one request head from `socket` (the test requests have tiny bodies
// that arrive with it).
asio::awaitable<void> read_request(tcp::socket& socket) {
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    std::size_t n = co_await socket.async_read_some(asio::buffer(buf), asio::use_awaitable);
    request.append(buf, n);
  }
}

const std::string kSmallAnswer =
    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";

// First connection: answers one keep-alive request, then closes while the
// client holds it idle (an upstream's idle timeout). Second: answers and
// stays open.
asio::awaitable<void> answer_then_close(tcp::acceptor& acceptor, int& accepted) {
  tcp::socket first = co_await acceptor.async_accept(asio::use_awaitable);
  ++accepted;
  co_await read_request(first);
  co_await asio::async_write(first, asio::buffer(kSmallAnswer), asio::use_awaitable);
  first.close();
  tcp::socket second = co_await acceptor.async_accept(asio::use_awaitable);
  ++accepted;
  co_await read_request(second);
  co_await asio::async_write(second, asio::buffer(kSmallAnswer), asio::use_awaitable);
  asio::steady_timer hold(second.get_executor(), 10s);
  boost::system::error_code ec;
  co_await hold.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// Runs one exchange to its end; "" if it succeeded, else the failure.
asio::awaitable<std::string> exchange_once(Pool& pool, const Url& url, bool& reused) {
  Deadlines d;
  d.first_byte = 1s;
  Exchange ex(pool, url, d);
  HttpRequest req;
  req.target = "/v1/chat/completions";
  req.body = "{}";
  auto head = co_await ex.start(req);
  if (!head) co_return head.error().message;
  reused = head->reused_connection;
  for (;;) {
    auto piece = co_await ex.read_some();
    if (!piece) co_return piece.error().message;
    if (piece->empty()) break;
  }
  ex.finish();
  co_return "";
}

// Reused within peek_after_idle, the closed connection is not checked
// before the write; the exchange's stale-connection retry must then resend
// on a fresh connection. Past peek_after_idle the peek finds it closed.
void expect_stale_connection_replaced(std::chrono::milliseconds peek_after_idle) {
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  auto url = parse_url("http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()));
  ASSERT_TRUE(url.has_value());
  PoolOptions options;
  options.peek_after_idle = peek_after_idle;
  Pool pool(io.get_executor(), tls, options);
  int accepted = 0;
  std::string first_error = "not run", second_error = "not run";
  bool reused_first = true, reused_second = true;
  asio::co_spawn(io, answer_then_close(acceptor, accepted), asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        first_error = co_await exchange_once(pool, *url, reused_first);
        asio::steady_timer settle(io, 50ms);  // the upstream's FIN arrives
        co_await settle.async_wait(asio::use_awaitable);
        second_error = co_await exchange_once(pool, *url, reused_second);
        io.stop();
      },
      asio::detached);
  io.run_for(5s);
  EXPECT_EQ(first_error, "");
  EXPECT_EQ(second_error, "");
  EXPECT_FALSE(reused_first);
  EXPECT_FALSE(reused_second) << "the answer came over the fresh connection";
  EXPECT_EQ(accepted, 2);
  EXPECT_EQ(pool.connects(), 2u);
}

TEST(ExchangeStaleConnection, ClosedWhileIdleAndReusedUncheckedIsRetriedOnAFreshConnection) {
  expect_stale_connection_replaced(10s);
}

TEST(ExchangeStaleConnection, ClosedWhileIdleAndPeekedIsReplacedBeforeTheWrite) {
  expect_stale_connection_replaced(0ms);
}

// Answers one request with a 2-byte JSON body and holds the connection; with
// `split`, the body follows the head 50 ms later (a read after the head).
asio::awaitable<void> answer_once(tcp::acceptor& acceptor, bool split) {
  tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
  co_await read_request(socket);
  const std::size_t head = kSmallAnswer.size() - 2;
  const std::size_t first = split ? head : kSmallAnswer.size();
  co_await asio::async_write(socket, asio::buffer(kSmallAnswer.data(), first), asio::use_awaitable);
  boost::system::error_code ec;
  if (split) {
    asio::steady_timer pause(socket.get_executor(), 50ms);
    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_await asio::async_write(socket, asio::buffer(kSmallAnswer.data() + head, 2), asio::use_awaitable);
  }
  asio::steady_timer hold(socket.get_executor(), 10s);
  co_await hold.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// read_all(1024) over one exchange with answer_once(split).
std::optional<Expected<std::string, Failure>> read_all_once(bool split) {
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  auto url = parse_url("http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()));
  EXPECT_TRUE(url.has_value());
  Pool pool(io.get_executor(), tls, PoolOptions{});
  std::optional<Expected<std::string, Failure>> body;
  asio::co_spawn(io, answer_once(acceptor, split), asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        Deadlines d;
        d.first_byte = 1s;
        Exchange ex(pool, *url, d);
        HttpRequest req;
        req.target = "/v1/chat/completions";
        req.body = "{}";
        if (auto head = co_await ex.start(req); head) body = co_await ex.read_all(1024);
        ex.finish();
        io.stop();
      },
      asio::detached);
  io.run_for(5s);
  return body;
}

TEST(ExchangeReadAll, BodyOfKnownLengthComesWithParserSlack) {
  auto body = read_all_once(false);
  ASSERT_TRUE(body.has_value());
  ASSERT_TRUE(body->has_value()) << body->error().message;
  EXPECT_EQ(**body, "{}");
  EXPECT_GE((*body)->capacity(), (*body)->size() + kBodySlack);
}

TEST(ExchangeReadAll, BodyAfterTheHeadIsReadFromTheSocket) {
  auto body = read_all_once(true);
  ASSERT_TRUE(body.has_value());
  ASSERT_TRUE(body->has_value()) << body->error().message;
  EXPECT_EQ(**body, "{}");
}

}  // namespace
}  // namespace sy::upstream
