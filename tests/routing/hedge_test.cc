#include "routing/hedge.h"

#include <gtest/gtest.h>

#include "fixture.h"

namespace sy::routing {
namespace {

using namespace std::chrono_literals;
using testing::Tables;

TEST(Hedge, DisabledWithoutSettings) {
  Tables t;
  t.add("g", {{"a", "m"}});
  t.build();
  HedgePolicy h({});
  EXPECT_FALSE(h.enabled());
  EXPECT_FALSE(h.should_hedge(10min, t.group("g").deployments[0], false));
}

TEST(Hedge, FixedDelay) {
  Tables t;
  t.add("g", {{"a", "m"}});
  t.build();
  HedgePolicy h({Millis(500), std::nullopt});
  const auto& d = t.group("g").deployments[0];
  EXPECT_FALSE(h.should_hedge(499ms, d, false));
  EXPECT_TRUE(h.should_hedge(500ms, d, false));
  EXPECT_FALSE(h.should_hedge(1s, d, false, 1));  // one hedge at most
}

TEST(Hedge, PercentileOnceEnoughSamplesElseFixed) {
  Tables t;
  t.add("g", {{"a", "m"}});
  t.build();
  HedgePolicy h({Millis(2000), 90.0});
  const auto& d = t.group("g").deployments[0];
  auto record = [&](Nanos v) {
    d.health->record(t.clock.now_ns(), providers::ErrorClass::kNone, false, false, v, Nanos(0));
  };
  for (int i = 0; i < 10; ++i) record(100ms);
  EXPECT_EQ(h.hedge_delay(d, false), 2000ms);  // too few samples: fixed fallback
  for (int i = 0; i < 80; ++i) record(100ms);
  for (int i = 0; i < 10; ++i) record(1s);
  auto delay = h.hedge_delay(d, false);
  ASSERT_TRUE(delay);
  EXPECT_GE(*delay, 100ms);
  EXPECT_LE(*delay, 119ms);  // p90 falls in the 100 ms bucket
  EXPECT_TRUE(h.should_hedge(150ms, d, false));
  EXPECT_FALSE(h.should_hedge(50ms, d, false));
  // Streams have their own statistics: none yet → fixed delay.
  EXPECT_EQ(h.hedge_delay(d, true), 2000ms);
}

}  // namespace
}  // namespace sy::routing
