#include "util/lazy_deadline.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <optional>

namespace sy::util {
namespace {

using namespace std::chrono_literals;
using Clock = LazyDeadline::Clock;

struct Fixture {
  boost::asio::io_context io;
  int fired = 0;
  std::optional<Clock::time_point> fired_at;
  std::optional<LazyDeadline> deadline;
  Fixture() {
    deadline.emplace(io.get_executor(), [this] {
      ++fired;
      fired_at = Clock::now();
    });
  }
  // on_expire ran exactly once, no earlier than `earliest` after `start`.
  void expect_fired_once(Clock::time_point start, Clock::duration earliest) {
    EXPECT_EQ(fired, 1);
    ASSERT_TRUE(fired_at);
    EXPECT_GE(*fired_at - start, earliest);
  }
  // Runs `f` on the loop after `delay`.
  template <class F>
  void at(Clock::duration delay, F f) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io, delay);
    timer->async_wait([timer, f](const boost::system::error_code&) { f(); });
  }
};

TEST(LazyDeadline, FiresOnceWhenDue) {
  Fixture t;
  const auto start = Clock::now();
  t.deadline->arm_after(30ms);
  EXPECT_FALSE(t.deadline->expired());
  t.io.run_for(200ms);
  t.expect_fired_once(start, 30ms);
  EXPECT_TRUE(t.deadline->expired());
}

TEST(LazyDeadline, MovedLaterFiresAtTheNewTimeOnly) {
  Fixture t;
  const auto start = Clock::now();
  t.deadline->arm_after(30ms);
  // Before it is due, move it on; several times, as a keep-alive loop does.
  t.at(10ms, [&] { t.deadline->arm_at(start + 60ms); });
  t.at(20ms, [&] { t.deadline->arm_at(start + 90ms); });
  t.at(50ms, [&] { EXPECT_EQ(t.fired, 0); });
  t.io.run_for(300ms);
  t.expect_fired_once(start, 90ms);
}

TEST(LazyDeadline, MovedEarlierFiresAtTheEarlierTime) {
  Fixture t;
  const auto start = Clock::now();
  t.deadline->arm_after(10s);
  t.at(5ms, [&] { t.deadline->arm_at(start + 40ms); });
  t.io.run_for(500ms);
  t.expect_fired_once(start, 40ms);
  if (t.fired_at) EXPECT_LT(*t.fired_at - start, 5s);
}

TEST(LazyDeadline, DisarmedNeverFiresAndCanBeArmedAgain) {
  Fixture t;
  t.deadline->arm_after(20ms);
  t.deadline->disarm();
  t.io.run_for(100ms);
  EXPECT_EQ(t.fired, 0);
  EXPECT_FALSE(t.deadline->expired());
  t.io.restart();
  t.deadline->arm_after(20ms);
  t.io.run_for(200ms);
  EXPECT_EQ(t.fired, 1);
}

TEST(LazyDeadline, ArmingAgainClearsExpired) {
  Fixture t;
  t.deadline->arm_after(5ms);
  t.io.run_for(100ms);
  ASSERT_TRUE(t.deadline->expired());
  t.io.restart();
  t.deadline->arm_after(10s);
  EXPECT_FALSE(t.deadline->expired());
  t.deadline->disarm();
  t.io.run_for(20ms);
  EXPECT_EQ(t.fired, 1);
}

TEST(LazyDeadline, DestroyedBeforeDueNeverCallsBack) {
  Fixture t;
  t.deadline->arm_after(20ms);
  t.at(5ms, [&] { t.deadline.reset(); });
  t.io.run_for(100ms);
  EXPECT_EQ(t.fired, 0);
}

TEST(LazyDeadline, DestroyedWhileItsCompletionIsQueuedNeverCallsBack) {
  Fixture t;
  t.deadline->arm_after(1ms);
  // Let the timer expire and its completion be queued, then destroy the
  // deadline before the loop runs that completion.
  t.at(0ms, [&] {
    const auto until = Clock::now() + 5ms;
    while (Clock::now() < until) {
    }
    boost::asio::post(t.io, [&] { t.deadline.reset(); });
  });
  t.io.run_for(100ms);
  EXPECT_LE(t.fired, 1);  // whichever ran first; never after destruction
  EXPECT_FALSE(t.deadline.has_value());
}

}  // namespace
}  // namespace sy::util
