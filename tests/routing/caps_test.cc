#include "routing/caps.h"

#include <gtest/gtest.h>

#include "routing/latency.h"

namespace sy::routing {
namespace {

using namespace std::chrono_literals;
using Limit = CapTracker::Limit;

TEST(Caps, MaxParallel) {
  ManualClock clock;
  CapTracker c({0, 0, 2});
  auto a = c.try_admit(clock.now_ns(), 10);
  auto b = c.try_admit(clock.now_ns(), 10);
  ASSERT_TRUE(a && b);
  Limit full = Limit::kNone;
  EXPECT_FALSE(c.try_admit(clock.now_ns(), 10, &full));
  EXPECT_EQ(full, Limit::kParallel);
  EXPECT_EQ(c.in_flight(), 2);
  EXPECT_EQ(c.would_refuse(clock.now_ns(), 1), Limit::kParallel);
  c.settle(*a, 10);
  EXPECT_EQ(c.in_flight(), 1);
  EXPECT_TRUE(c.try_admit(clock.now_ns(), 10));
}

TEST(Caps, RpmSlidesOverAMinute) {
  ManualClock clock;
  CapTracker c({3, 0, 0});
  for (int i = 0; i < 3; ++i) {
    auto r = c.try_admit(clock.now_ns(), 1);
    ASSERT_TRUE(r);
    c.settle(*r, 1);
    clock.advance(10s);
  }
  Limit full = Limit::kNone;
  EXPECT_FALSE(c.try_admit(clock.now_ns(), 1, &full));
  EXPECT_EQ(full, Limit::kRpm);
  EXPECT_EQ(c.requests_in_window(clock.now_ns()), 3);  // the refusal was rolled back
  clock.advance(31s);  // the first request (at t=0) is now older than 60 s
  EXPECT_TRUE(c.try_admit(clock.now_ns(), 1));
}

TEST(Caps, TpmReservesEstimateAndSettlesActual) {
  ManualClock clock;
  CapTracker c({0, 1000, 0});
  auto r = c.try_admit(clock.now_ns(), 800);
  ASSERT_TRUE(r);
  Limit full = Limit::kNone;
  EXPECT_FALSE(c.try_admit(clock.now_ns(), 300, &full));
  EXPECT_EQ(full, Limit::kTpm);
  c.settle(*r, 200);  // the answer was short
  EXPECT_EQ(c.tokens_in_window(clock.now_ns()), 200);
  EXPECT_TRUE(c.try_admit(clock.now_ns(), 300));
  EXPECT_NEAR(c.headroom(clock.now_ns()), 0.5, 1e-9);
}

TEST(Caps, OversizedRequestPassesAnEmptyWindow) {
  ManualClock clock;
  CapTracker c({0, 100, 0});
  EXPECT_TRUE(c.try_admit(clock.now_ns(), 500));
  EXPECT_FALSE(c.try_admit(clock.now_ns(), 1));
}

TEST(Latency, EwmaSmoothing) {
  LatencyStats s;
  EXPECT_FALSE(s.ewma_ms());
  s.record(100ms);
  EXPECT_DOUBLE_EQ(*s.ewma_ms(), 100.0);
  s.record(200ms);
  EXPECT_DOUBLE_EQ(*s.ewma_ms(), 120.0);  // 100 + 0.2 * (200 - 100)
}

TEST(Latency, Percentile) {
  LatencyStats s;
  for (int i = 1; i <= 100; ++i) s.record(std::chrono::milliseconds(i * 10));
  auto p50 = s.percentile_ms(0.5);
  auto p95 = s.percentile_ms(0.95);
  ASSERT_TRUE(p50 && p95);
  // Bucket upper bounds are within 19% above the true value.
  EXPECT_GE(*p50, 500.0);
  EXPECT_LE(*p50, 500.0 * 1.19);
  EXPECT_GE(*p95, 950.0);
  EXPECT_LE(*p95, 950.0 * 1.19);
  LatencyStats few;
  few.record(10ms);
  EXPECT_FALSE(few.percentile_ms(0.5));
}

}  // namespace
}  // namespace sy::routing
