// SendCoalescer on real loopback sockets: held writes go out together at the
// flush, in order, before any held coroutine resumes, and the coroutines
// resume only after the work queued behind the flush; a closed socket, a full
// send buffer and a reset peer complete as documented.
#include "util/send_coalescer.h"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sy::util {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto kToken = asio::as_tuple(asio::use_awaitable);

// A connected pair: `writer` is the coalesced side, `reader` the peer.
struct Pair {
  tcp::socket writer;
  tcp::socket reader;
  explicit Pair(asio::io_context& io) : writer(io), reader(io) {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    reader.connect(acceptor.local_endpoint());
    writer = acceptor.accept();
  }
  std::string drain() {  // what has arrived so far, without blocking
    std::string out;
    reader.non_blocking(true);
    char buf[65536];
    boost::system::error_code ec;
    for (;;) {
      std::size_t n = reader.read_some(asio::buffer(buf), ec);
      if (ec) break;
      out.append(buf, n);
    }
    return out;
  }
};

// What one write completed with.
struct Outcome {
  boost::system::error_code ec;
  std::size_t written = 99;
  bool done = false;
};

// A loop with its coalescer and one connected pair.
class SendCoalescerTest : public ::testing::Test {
 protected:
  // Starts a coroutine that writes `buffers` to `p` through the coalescer.
  template <class Buffers>
  void spawn_write(Pair& p, const Buffers& buffers, Outcome& out) {
    asio::co_spawn(
        io,
        [this, &p, &buffers, &out]() -> asio::awaitable<void> {
          auto [ec, n] = co_await c.write(p.writer, buffers, kToken);
          out = {ec, n, true};
        },
        asio::detached);
  }

  asio::io_context io;
  SendCoalescer::InFlightCount count;
  SendCoalescer c{io.get_executor(), count};
  Pair a{io};
};

TEST_F(SendCoalescerTest, BusyOnlyWithTwoRequestsInFlight) {
  EXPECT_FALSE(c.busy());
  {
    SendCoalescer::InFlight one(&count);
    EXPECT_FALSE(c.busy());
    {
      SendCoalescer::InFlight two(&count);
      EXPECT_TRUE(c.busy());
      EXPECT_EQ(c.in_flight(), 2u);
    }
    EXPECT_FALSE(c.busy());
  }
  EXPECT_EQ(c.in_flight(), 0u);
  SendCoalescer::InFlight none(nullptr);  // no coalescer: counts nothing
}

TEST_F(SendCoalescerTest, HeldWritesAllGoOutBeforeAnyWriterResumes) {
  Pair b(io);
  std::vector<std::string> seen_at_resume;  // what b's peer had when a resumed
  std::vector<std::size_t> written;
  const std::string head = "HTTP/1.1 200 OK\r\n\r\n", body = "{}";
  auto writer = [&](Pair& p, bool record) -> asio::awaitable<void> {
    std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(body)};
    auto [ec, n] = co_await c.write(p.writer, bufs, kToken);
    EXPECT_FALSE(ec) << ec.message();
    written.push_back(n);
    if (record) seen_at_resume.push_back(b.drain());
  };
  asio::co_spawn(io, writer(a, true), asio::detached);
  asio::co_spawn(io, writer(b, false), asio::detached);
  io.poll_one();
  io.poll_one();  // both coroutines ran up to their held write
  EXPECT_EQ(c.held(), 2u);
  EXPECT_EQ(a.drain(), "") << "nothing is written before the flush";
  io.run();
  EXPECT_EQ(c.held(), 0u);
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0], head.size() + body.size());
  EXPECT_EQ(written[1], head.size() + body.size());
  ASSERT_EQ(seen_at_resume.size(), 1u);
  EXPECT_EQ(seen_at_resume[0], head + body) << "b's write went out before a resumed";
  EXPECT_EQ(a.drain(), head + body);
}

TEST_F(SendCoalescerTest, WritersResumeAfterTheWorkQueuedBehindTheFlush) {
  std::vector<std::string> order;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::array<asio::const_buffer, 1> bufs{asio::buffer("x", 1)};
        co_await c.write(a.writer, bufs, kToken);
        order.push_back("resumed");
      },
      asio::detached);
  io.poll_one();  // the write is held, the flush posted
  ASSERT_EQ(c.held(), 1u);
  asio::post(io, [&] { order.push_back("queued after the flush"); });
  io.run();
  EXPECT_EQ(order, (std::vector<std::string>{"queued after the flush", "resumed"}));
  EXPECT_EQ(a.drain(), "x");
}

TEST_F(SendCoalescerTest, AWriteHeldWhileResumingGoesOutInTheNextFlush) {
  int flushes_seen = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i) {
          std::array<asio::const_buffer, 1> bufs{asio::buffer("x", 1)};
          auto [ec, n] = co_await c.write(a.writer, bufs, kToken);
          EXPECT_EQ(n, 1u);
          ++flushes_seen;
        }
      },
      asio::detached);
  io.run();
  EXPECT_EQ(flushes_seen, 3);
  EXPECT_EQ(a.drain(), "xxx");
}

TEST_F(SendCoalescerTest, ASocketClosedWhileHeldCompletesWithOperationAborted) {
  std::array<asio::const_buffer, 1> bufs{asio::buffer("late", 4)};
  Outcome out;
  spawn_write(a, bufs, out);
  io.poll_one();
  a.writer.close();  // e.g. the upstream leg was aborted meanwhile
  io.run();
  ASSERT_TRUE(out.done);
  EXPECT_EQ(out.ec, asio::error::operation_aborted);
  EXPECT_EQ(out.written, 0u);
}

TEST_F(SendCoalescerTest, AFullSendBufferStopsEarlyWithoutAnError) {
  a.writer.set_option(asio::socket_base::send_buffer_size(4096));
  const std::string big(8 * 1024 * 1024, 'b');
  std::array<asio::const_buffer, 1> bufs{asio::buffer(big)};
  Outcome out;
  spawn_write(a, bufs, out);
  io.run();
  ASSERT_TRUE(out.done);
  EXPECT_FALSE(out.ec) << out.ec.message();
  EXPECT_GT(out.written, 0u);
  EXPECT_LT(out.written, big.size()) << "the reader is not reading: only a prefix fits";
  std::string arrived = a.drain();
  EXPECT_EQ(arrived, big.substr(0, arrived.size()));
}

TEST_F(SendCoalescerTest, MoreBuffersThanItHoldsWritesAPrefix) {
  std::array<std::string, SendCoalescer::kMaxBuffers + 2> parts;
  std::array<asio::const_buffer, SendCoalescer::kMaxBuffers + 2> bufs;
  std::string all;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    parts[i] = std::string(1, static_cast<char>('a' + i));
    bufs[i] = asio::buffer(parts[i]);
    all += parts[i];
  }
  Outcome out;
  spawn_write(a, bufs, out);
  io.run();
  EXPECT_EQ(out.written, SendCoalescer::kMaxBuffers);
  EXPECT_EQ(a.drain(), all.substr(0, SendCoalescer::kMaxBuffers));
}

TEST_F(SendCoalescerTest, AResetPeerIsAnErrorNotASignal) {
  a.reader.set_option(asio::socket_base::linger(true, 0));
  a.reader.close();  // RST
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::array<asio::const_buffer, 1> bufs{asio::buffer("x", 1)};
  Outcome out;
  spawn_write(a, bufs, out);
  io.run();
  EXPECT_TRUE(out.ec == asio::error::connection_reset || out.ec == asio::error::broken_pipe)
      << out.ec.message();
}

// A forced shutdown destroys the loop with writes held or resumptions posted:
// the request frames are destroyed, not resumed, and their in-flight guards
// count down into the counter that outlives both.
void expect_shutdown_destroys_frames(bool flushed) {
  SendCoalescer::InFlightCount count;
  auto io = std::make_unique<asio::io_context>();
  auto pair = std::make_unique<Pair>(*io);
  auto c = std::make_unique<SendCoalescer>(io->get_executor(), count);
  bool resumed = false;
  asio::co_spawn(
      *io,
      [&]() -> asio::awaitable<void> {
        SendCoalescer::InFlight guard(&count);
        std::array<asio::const_buffer, 1> bufs{asio::buffer("x", 1)};
        co_await c->write(pair->writer, bufs, kToken);
        resumed = true;
      },
      asio::detached);
  io->poll_one();  // held
  ASSERT_EQ(count.n, 1u);
  if (flushed) io->poll_one();  // written; the resumption is posted
  EXPECT_EQ(c->held(), flushed ? 0u : 1u);
  c.reset();  // as ~Worker: the coalescer goes before the io_context
  pair.reset();
  io.reset();
  EXPECT_FALSE(resumed);
  EXPECT_EQ(count.n, 0u);
}

TEST(SendCoalescer, ShutdownWithAWriteHeldDestroysTheWriter) { expect_shutdown_destroys_frames(false); }

TEST(SendCoalescer, ShutdownWithAResumptionPostedDestroysTheWriter) {
  expect_shutdown_destroys_frames(true);
}

}  // namespace
}  // namespace sy::util
