#include <gtest/gtest.h>

#include "routing/wait_queue.h"

namespace sy::routing {
namespace {

using namespace std::chrono_literals;
using Turn = WaitQueue::Turn;

TEST(WaitQueue, FifoOrderAndWakeNext) {
  ManualClock clock;
  WaitQueue q({3, 5s});
  std::vector<int> woken;
  auto a = q.join("g", clock.now_ns(), [&] { woken.push_back(1); });
  auto b = q.join("g", clock.now_ns(), [&] { woken.push_back(2); });
  auto c = q.join("g", clock.now_ns(), [&] { woken.push_back(3); });
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(q.has_waiters("g"));
  EXPECT_FALSE(q.has_waiters("other"));
  EXPECT_EQ(q.turn(*a, clock.now_ns()), Turn::kFirst);
  EXPECT_EQ(q.turn(*b, clock.now_ns()), Turn::kBehind);
  q.notify("g");
  EXPECT_EQ(woken, std::vector<int>{1});
  a.reset();  // admitted: leaves, wakes b
  EXPECT_EQ(woken, (std::vector<int>{1, 2}));
  EXPECT_EQ(q.turn(*b, clock.now_ns()), Turn::kFirst);
  c.reset();  // c gives up: not the head, nobody woken
  EXPECT_EQ(woken, (std::vector<int>{1, 2}));
  b.reset();
  EXPECT_FALSE(q.has_waiters("g"));
}

TEST(WaitQueue, CapacityPerKey) {
  ManualClock clock;
  WaitQueue q({2, 5s});
  auto a = q.join("g", clock.now_ns(), {});
  auto b = q.join("g", clock.now_ns(), {});
  EXPECT_FALSE(q.join("g", clock.now_ns(), {}));
  EXPECT_TRUE(q.join("h", clock.now_ns(), {}));
  a.reset();
  EXPECT_TRUE(q.join("g", clock.now_ns(), {}));
  WaitQueue off({0, 5s});
  EXPECT_FALSE(off.join("g", clock.now_ns(), {}));
}

TEST(WaitQueue, TimeoutExpiresAndFreesThePlace) {
  ManualClock clock;
  WaitQueue q({1, 2s});
  auto a = q.join("g", clock.now_ns(), {});
  clock.advance(1s);
  EXPECT_EQ(q.turn(*a, clock.now_ns()), Turn::kFirst);
  EXPECT_FALSE(q.join("g", clock.now_ns(), {}));
  clock.advance(1s);
  EXPECT_EQ(q.turn(*a, clock.now_ns()), Turn::kExpired);
  auto b = q.join("g", clock.now_ns(), {});  // the expired waiter holds no place
  ASSERT_TRUE(b);
  EXPECT_EQ(q.turn(*b, clock.now_ns()), Turn::kFirst);  // the expired one is not the head
  EXPECT_EQ(b->deadline_ns() - clock.now_ns(), 2'000'000'000);
}

}  // namespace
}  // namespace sy::routing
