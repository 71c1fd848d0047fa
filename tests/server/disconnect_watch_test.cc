// DisconnectWatch on real loopback sockets: the socket wait starts only for
// watches queued for a full tick, a hang-up then runs the callback,
// pipelined bytes do not, and destroying a watch (queued or waiting) leaves
// nothing behind.
#include "server/disconnect_watch.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <memory>

namespace sy::server {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::tcp;
namespace asio = boost::asio;

constexpr auto kDelay = 20ms;

// A connected pair: `client` is the peer; `server` is the gateway's socket.
struct Pair {
  asio::io_context io;
  tcp::socket client{io};
  tcp::socket server{io};
  DisconnectWatches watches{io.get_executor(), kDelay};

  Pair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    client.connect(acceptor.local_endpoint());
    server = acceptor.accept();
  }
  // Runs the io_context for `d`, then calls `then`.
  template <class F>
  void after(std::chrono::milliseconds d, F then) {
    auto t = std::make_shared<asio::steady_timer>(io, d);
    t->async_wait([t, then](const boost::system::error_code&) mutable { then(); });
  }
};

TEST(DisconnectWatch, ARequestShorterThanATickNeverWaitsOnTheSocket) {
  Pair p;
  {
    DisconnectWatch w(p.server, p.watches);
    w.arm([] {});
    EXPECT_EQ(p.watches.queued(), 1u);
    p.io.run_for(5ms);
    EXPECT_FALSE(w.waiting());
  }
  EXPECT_EQ(p.watches.queued(), 0u);
  p.io.restart();
  // The tick finds the queue empty and stops: run() returns on its own.
  auto start = std::chrono::steady_clock::now();
  p.io.run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST(DisconnectWatch, AHangUpDuringALongWaitRunsTheCallbackWithinTwoTicks) {
  Pair p;
  DisconnectWatch w(p.server, p.watches);
  std::chrono::steady_clock::time_point hung_up, noticed;
  w.arm([&] {
    noticed = std::chrono::steady_clock::now();
    p.io.stop();
  });
  p.after(5ms, [&] {
    hung_up = std::chrono::steady_clock::now();
    p.client.close();
  });
  p.io.run_for(2s);
  ASSERT_TRUE(w.disconnected());
  EXPECT_TRUE(w.waiting());
  EXPECT_LT(noticed - hung_up, 2 * kDelay + 200ms);  // slack for a loaded machine
}

TEST(DisconnectWatch, PipelinedBytesAreNotAHangUp) {
  Pair p;
  DisconnectWatch w(p.server, p.watches);
  bool called = false;
  w.arm([&] { called = true; });
  asio::write(p.client, asio::buffer(std::string("POST / HTTP/1.1\r\n")));
  p.io.run_for(6 * kDelay);
  EXPECT_TRUE(w.waiting());
  EXPECT_FALSE(called);
  EXPECT_FALSE(w.disconnected());
}

TEST(DisconnectWatch, DestroyingAWaitingWatchCancelsItsWait) {
  Pair p;
  bool called = false;
  {
    DisconnectWatch w(p.server, p.watches);
    w.arm([&] { called = true; });
    p.io.run_for(4 * kDelay);
    ASSERT_TRUE(w.waiting());
  }
  p.client.close();
  p.io.restart();
  p.io.run();  // nothing left pending: returns
  EXPECT_FALSE(called);
}

TEST(DisconnectWatch, WatchesLeaveTheQueueInAnyOrderAndTheRestStillStart) {
  Pair p;
  auto a = std::make_unique<DisconnectWatch>(p.server, p.watches);
  auto b = std::make_unique<DisconnectWatch>(p.server, p.watches);
  auto c = std::make_unique<DisconnectWatch>(p.server, p.watches);
  a->arm([] {});
  b->arm([] {});
  c->arm([] {});
  b->arm([] {});  // re-arming only replaces the callback
  EXPECT_EQ(p.watches.queued(), 3u);
  b.reset();  // from the middle
  EXPECT_EQ(p.watches.queued(), 2u);
  a.reset();  // from the head
  EXPECT_EQ(p.watches.queued(), 1u);
  p.io.run_for(4 * kDelay);
  EXPECT_EQ(p.watches.queued(), 0u);
  EXPECT_TRUE(c->waiting());
}

}  // namespace
}  // namespace sy::server
