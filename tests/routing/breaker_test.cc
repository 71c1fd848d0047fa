#include "routing/breaker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace sy::routing {
namespace {

using namespace std::chrono_literals;
using Permit = CircuitBreaker::Permit;

BreakerOptions opts() {
  BreakerOptions o;
  o.failures = 3;
  o.error_rate = 0.5;
  o.window = 10s;
  o.min_requests = 10;
  o.cooldown = 1s;
  o.max_cooldown = 5s;
  return o;
}

TEST(Breaker, OpensAfterConsecutiveFailuresAndClosesAfterProbe) {
  ManualClock clock;
  CircuitBreaker b(opts());
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  b.on_failure(clock.now_ns(), false);
  b.on_failure(clock.now_ns(), false);
  b.on_success(clock.now_ns(), false);  // resets the consecutive count
  b.on_failure(clock.now_ns(), false);
  b.on_failure(clock.now_ns(), false);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  b.on_failure(clock.now_ns(), false);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_EQ(b.acquire(clock.now_ns()), Permit::kRejected);
  EXPECT_FALSE(b.would_allow(clock.now_ns()));
  clock.advance(999ms);
  EXPECT_EQ(b.acquire(clock.now_ns()), Permit::kRejected);
  clock.advance(1ms);
  EXPECT_TRUE(b.would_allow(clock.now_ns()));
  EXPECT_EQ(b.acquire(clock.now_ns()), Permit::kProbe);
  EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
  EXPECT_EQ(b.acquire(clock.now_ns()), Permit::kRejected);  // one probe only
  b.on_success(clock.now_ns(), true);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  EXPECT_EQ(b.acquire(clock.now_ns()), Permit::kAllowed);
}

TEST(Breaker, ReopenDoublesCooldownUpToCap) {
  ManualClock clock;
  CircuitBreaker b(opts());
  for (int i = 0; i < 3; ++i) b.on_failure(clock.now_ns(), false);
  std::vector<int64_t> cooldowns;
  for (int round = 0; round < 5; ++round) {
    ASSERT_EQ(b.state(), BreakerState::kOpen);
    cooldowns.push_back((b.open_until_ns() - clock.now_ns()) / 1'000'000);
    clock.set(b.open_until_ns());
    ASSERT_EQ(b.acquire(clock.now_ns()), Permit::kProbe);
    b.on_failure(clock.now_ns(), true);
  }
  EXPECT_EQ(cooldowns, (std::vector<int64_t>{1000, 2000, 4000, 5000, 5000}));
  // A successful probe resets the doubling.
  clock.set(b.open_until_ns());
  ASSERT_EQ(b.acquire(clock.now_ns()), Permit::kProbe);
  b.on_success(clock.now_ns(), true);
  for (int i = 0; i < 3; ++i) b.on_failure(clock.now_ns(), false);
  EXPECT_EQ(b.open_until_ns() - clock.now_ns(), 1'000'000'000);
}

TEST(Breaker, RetryAfterLongerThanCooldownWins) {
  ManualClock clock;
  CircuitBreaker b(opts());
  b.on_failure(clock.now_ns(), false);
  b.on_failure(clock.now_ns(), false);
  b.on_failure(clock.now_ns(), false, 30s);
  EXPECT_EQ(b.open_until_ns() - clock.now_ns(), 30'000'000'000);
  CircuitBreaker c(opts());
  for (int i = 0; i < 3; ++i) c.on_failure(clock.now_ns(), false, 100ms);
  EXPECT_EQ(c.open_until_ns() - clock.now_ns(), 1'000'000'000);  // shorter hint: cooldown
}

TEST(Breaker, OpensOnErrorRateOnlyWithMinimumVolume) {
  ManualClock clock;
  BreakerOptions o = opts();
  o.failures = 0;  // only the rate
  CircuitBreaker b(o);
  // 4 failures, 4 successes interleaved: 50% but only 8 outcomes < 10.
  for (int i = 0; i < 4; ++i) {
    b.on_failure(clock.now_ns(), false);
    b.on_success(clock.now_ns(), false);
  }
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  b.on_success(clock.now_ns(), false);  // 9 outcomes, 4 failures
  b.on_failure(clock.now_ns(), false);  // 10 outcomes, 5 failures = 50%
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(Breaker, OldOutcomesLeaveTheWindow) {
  ManualClock clock;
  BreakerOptions o = opts();
  o.failures = 0;
  CircuitBreaker b(o);
  for (int i = 0; i < 9; ++i) b.on_failure(clock.now_ns(), false);
  clock.advance(11s);
  for (int i = 0; i < 9; ++i) b.on_success(clock.now_ns(), false);
  b.on_failure(clock.now_ns(), false);  // 1 of 10 in the window
  EXPECT_EQ(b.state(), BreakerState::kClosed);
}

TEST(Breaker, StaleOutcomesDoNotDecideHalfOpen) {
  ManualClock clock;
  CircuitBreaker b(opts());
  for (int i = 0; i < 3; ++i) b.on_failure(clock.now_ns(), false);
  clock.advance(1s);
  ASSERT_EQ(b.acquire(clock.now_ns()), Permit::kProbe);
  b.on_success(clock.now_ns(), false);  // a request admitted before the opening
  b.on_failure(clock.now_ns(), false);
  EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
  b.on_failure(clock.now_ns(), true);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(Breaker, AbandonedOrLostProbeIsReplaced) {
  ManualClock clock;
  CircuitBreaker b(opts());
  for (int i = 0; i < 3; ++i) b.on_failure(clock.now_ns(), false);
  clock.advance(1s);
  ASSERT_EQ(b.acquire(clock.now_ns()), Permit::kProbe);
  b.on_probe_abandoned(clock.now_ns());
  EXPECT_EQ(b.acquire(clock.now_ns()), Permit::kProbe);
  // Lost (never reported): replaced after max_cooldown.
  clock.advance(4999ms);
  EXPECT_EQ(b.acquire(clock.now_ns()), Permit::kRejected);
  clock.advance(1ms);
  EXPECT_EQ(b.acquire(clock.now_ns()), Permit::kProbe);
}

TEST(Breaker, HalfOpenLetsExactlyOneProbeAmongThreads) {
  for (int round = 0; round < 50; ++round) {
    ManualClock clock;
    CircuitBreaker b(opts());
    for (int i = 0; i < 3; ++i) b.on_failure(clock.now_ns(), false);
    clock.advance(1s);
    std::atomic<int> probes{0}, allowed{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        while (!go.load()) {
        }
        for (int i = 0; i < 100; ++i) {
          Permit p = b.acquire(clock.now_ns());
          if (p == Permit::kProbe) probes.fetch_add(1);
          if (p == Permit::kAllowed) allowed.fetch_add(1);
        }
      });
    }
    go.store(true);
    for (auto& t : threads) t.join();
    EXPECT_EQ(probes.load(), 1);
    EXPECT_EQ(allowed.load(), 0);
  }
}

}  // namespace
}  // namespace sy::routing
