#include "routing/strategy.h"

#include <gtest/gtest.h>

#include <map>

#include "fixture.h"

namespace sy::routing {
namespace {

using namespace std::chrono_literals;
using testing::caps;
using testing::price;
using testing::Tables;
using testing::weight;

OrderRequest req(const Tables& t, bool stream = false) {
  return OrderRequest{t.clock.now_ns(), stream, 1000, 500};
}

std::vector<size_t> indices(const GroupOrder& o) {
  std::vector<size_t> v;
  for (const Ranked& r : o.ranked) v.push_back(r.deployment);
  return v;
}

std::map<size_t, int> first_picks(Tables& t, const std::string& g, int n, uint64_t seed,
                                  bool stream = false) {
  Rng rng(seed);
  std::map<size_t, int> counts;
  for (int i = 0; i < n; ++i)
    counts[order_group(t.group(g), req(t, stream), rng).ranked[0].deployment]++;
  return counts;
}

void open_breaker(DeploymentHealth& h, const ManualClock& clock) {
  for (int i = 0; i < h.breaker().options().failures; ++i) {
    h.record(clock.now_ns(), providers::ErrorClass::kServerError, false, false, Nanos(0), Nanos(0));
  }
  ASSERT_EQ(h.breaker().state(), BreakerState::kOpen);
}

TEST(Strategy, PriorityKeepsConfigOrderAndSkipsOpen) {
  Tables t;
  t.add("g", {{"a", "m"}, {"b", "m"}, {"c", "m"}}, Strategy::kPriority);
  t.build();
  Rng rng(1);
  EXPECT_EQ(indices(order_group(t.group("g"), req(t), rng)), (std::vector<size_t>{0, 1, 2}));
  open_breaker(t.health("g", 0), t.clock);
  GroupOrder o = order_group(t.group("g"), req(t), rng);
  EXPECT_EQ(indices(o), (std::vector<size_t>{1, 2, 0}));
  EXPECT_EQ(o.available, 2u);
  EXPECT_EQ(o.ranked[2].standing, Standing::kOpen);
}

TEST(Strategy, WeightedDistribution) {
  Tables t;
  t.add(
      "g",
      {{"a", "m", weight(1)}, {"b", "m", weight(3)}, {"c", "m", weight(6)}, {"d", "m", weight(0)}},
      Strategy::kWeighted);
  t.build();
  auto counts = first_picks(t, "g", 10'000, 7);
  EXPECT_NEAR(counts[0], 1000, 150);
  EXPECT_NEAR(counts[1], 3000, 250);
  EXPECT_NEAR(counts[2], 6000, 250);
  EXPECT_EQ(counts[3], 0);
  Rng rng(9);
  GroupOrder o = order_group(t.group("g"), req(t), rng);
  EXPECT_EQ(o.ranked.size(), 4u);
  EXPECT_EQ(o.ranked[3].deployment, 3u);  // weight 0: only as the last fallback
}

TEST(Strategy, RoundRobinIsExact) {
  Tables t;
  t.add("g", {{"a", "m"}, {"b", "m"}, {"c", "m"}}, Strategy::kRoundRobin);
  t.build();
  auto counts = first_picks(t, "g", 9'999, 1);
  EXPECT_EQ(counts[0], 3333);
  EXPECT_EQ(counts[1], 3333);
  EXPECT_EQ(counts[2], 3333);
  Rng rng(1);
  EXPECT_EQ(indices(order_group(t.group("g"), req(t), rng)), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(indices(order_group(t.group("g"), req(t), rng)), (std::vector<size_t>{1, 2, 0}));
}

TEST(Strategy, RoundRobinSkipsCapped) {
  Tables t;
  t.add("g", {{"a", "m"}, {"b", "m", caps(0, 0, 1)}, {"c", "m"}}, Strategy::kRoundRobin);
  t.build();
  auto held = t.health("g", 1).caps().try_admit(t.clock.now_ns(), 1);
  ASSERT_TRUE(held);
  auto counts = first_picks(t, "g", 3000, 1);
  EXPECT_EQ(counts[1], 0);
  EXPECT_EQ(counts[0] + counts[2], 3000);
  Rng rng(1);
  GroupOrder o = order_group(t.group("g"), req(t), rng);
  EXPECT_EQ(o.ranked.back().deployment, 1u);
  EXPECT_EQ(o.ranked.back().standing, Standing::kAtCap);
  EXPECT_EQ(o.ranked.back().limit, CapTracker::Limit::kParallel);
}

TEST(Strategy, LeastBusy) {
  Tables t;
  t.add("g", {{"a", "m"}, {"b", "m"}, {"c", "m"}}, Strategy::kLeastBusy);
  t.build();
  for (int i = 0; i < 3; ++i) (void)t.health("g", 0).caps().try_admit(t.clock.now_ns(), 1);
  (void)t.health("g", 2).caps().try_admit(t.clock.now_ns(), 1);
  Rng rng(5);
  EXPECT_EQ(indices(order_group(t.group("g"), req(t), rng)), (std::vector<size_t>{1, 2, 0}));
  // Ties are broken at random, not always toward the first deployment.
  Tables u;
  u.add("g", {{"a", "m"}, {"b", "m"}}, Strategy::kLeastBusy);
  u.build();
  auto counts = first_picks(u, "g", 10'000, 3);
  EXPECT_NEAR(counts[0], 5000, 250);
}

TEST(Strategy, LeastLatencyPrefersFastWithoutStampede) {
  Tables t;
  t.add("g", {{"fast", "m"}, {"mid", "m"}, {"slow", "m"}}, Strategy::kLeastLatency);
  t.build();
  auto ttfb = [&](size_t i, Nanos d, bool stream) {
    t.health("g", i).record(t.clock.now_ns(), providers::ErrorClass::kNone, false, stream, d,
                            Nanos(0));
  };
  ttfb(0, 100ms, false);
  ttfb(1, 300ms, false);
  ttfb(2, 900ms, false);
  auto counts = first_picks(t, "g", 10'000, 11);
  // Power of two choices with replacement over 3: fast 5/9, mid 3/9, slow 1/9.
  EXPECT_NEAR(counts[0], 5556, 250);
  EXPECT_NEAR(counts[1], 3333, 250);
  EXPECT_NEAR(counts[2], 1111, 200);
  // Streams are tracked separately: slow is the fastest streamer.
  ttfb(2, 50ms, true);
  ttfb(0, 400ms, true);
  ttfb(1, 600ms, true);
  auto stream_counts = first_picks(t, "g", 10'000, 12, true);
  EXPECT_GT(stream_counts[2], stream_counts[0]);
  Rng rng(1);
  GroupOrder o = order_group(t.group("g"), req(t), rng);
  // After the first pick the rest are sorted by EWMA.
  std::vector<size_t> all = indices(o);
  std::vector<size_t> rest(all.begin() + 1, all.end());
  for (size_t i = 1; i < rest.size(); ++i) {
    EXPECT_LE(*t.health("g", rest[i - 1]).ttfb_ewma_ms(false),
              *t.health("g", rest[i]).ttfb_ewma_ms(false));
  }
}

TEST(Strategy, LeastCostUsesOverridesAndTokens) {
  Tables t;
  t.add("g",
        {{"a", "m", price(5, 5)}, {"b", "m", price(1, 20)}, {"c", "m", price(2, 2)}, {"d", "m"}},
        Strategy::kLeastCost);
  t.build();
  Rng rng(1);
  // prompt 1000, output 500: a 7500, b 11000, c 3000, d unknown → last.
  EXPECT_EQ(indices(order_group(t.group("g"), req(t), rng)), (std::vector<size_t>{2, 0, 1, 3}));
  // A long prompt and no output make b cheapest.
  OrderRequest r{t.clock.now_ns(), false, 100'000, 0};
  EXPECT_EQ(indices(order_group(t.group("g"), r, rng))[0], 1u);
  EXPECT_NEAR(*estimated_cost(t.group("g").deployments[2], req(t)), 0.003, 1e-12);
}

TEST(Strategy, LeastCostFromCatalog) {
  Tables t;
  t.add("g", {{"openai", "gpt-4o"}, {"openai", "gpt-4o-mini"}}, Strategy::kLeastCost);
  t.build();
  Rng rng(1);
  EXPECT_EQ(indices(order_group(t.group("g"), req(t), rng)), (std::vector<size_t>{1, 0}));
  EXPECT_EQ(t.group("g").deployments[0].context_window, 128000);
}

TEST(Strategy, UsageBasedPrefersHeadroomAndSkipsFull) {
  Tables t;
  t.add("g", {{"a", "m", caps(10, 0, 0)}, {"b", "m", caps(10, 0, 0)}, {"c", "m", caps(2, 0, 0)}},
        Strategy::kUsageBased);
  t.build();
  for (int i = 0; i < 5; ++i) (void)t.health("g", 0).caps().try_admit(t.clock.now_ns(), 1);
  for (int i = 0; i < 2; ++i) (void)t.health("g", 1).caps().try_admit(t.clock.now_ns(), 1);
  (void)t.health("g", 2).caps().try_admit(t.clock.now_ns(), 1);
  Rng rng(1);
  // headroom: a 0.5, b 0.8, c 0.5 → b first, then a and c (tie).
  GroupOrder o = order_group(t.group("g"), req(t), rng);
  EXPECT_EQ(o.ranked[0].deployment, 1u);
  (void)t.health("g", 2).caps().try_admit(t.clock.now_ns(), 1);  // c full
  o = order_group(t.group("g"), req(t), rng);
  EXPECT_EQ(indices(o), (std::vector<size_t>{1, 0, 2}));
  EXPECT_EQ(o.ranked[2].standing, Standing::kAtCap);
  EXPECT_EQ(o.ranked[2].limit, CapTracker::Limit::kRpm);
}

TEST(Strategy, UnavailableOrderCapThenCoolingThenOpen) {
  Tables t;
  t.add("g", {{"open", "m"}, {"cool", "m"}, {"cap", "m", caps(0, 0, 1)}, {"ok", "m"}},
        Strategy::kPriority);
  t.build();
  open_breaker(t.health("g", 0), t.clock);
  t.health("g", 1).record(t.clock.now_ns(), providers::ErrorClass::kRateLimited, false, false,
                          Nanos(0), 20s);
  (void)t.health("g", 2).caps().try_admit(t.clock.now_ns(), 1);
  Rng rng(1);
  GroupOrder o = order_group(t.group("g"), req(t), rng);
  EXPECT_EQ(indices(o), (std::vector<size_t>{3, 2, 1, 0}));
  EXPECT_EQ(o.ranked[2].standing, Standing::kCooling);
  t.clock.advance(20s);
  o = order_group(t.group("g"), req(t), rng);
  EXPECT_EQ(o.ranked[1].deployment, 1u);  // cooling over
  EXPECT_EQ(o.ranked[1].standing, Standing::kAvailable);
}

TEST(Strategy, ParseNames) {
  EXPECT_EQ(parse_strategy("least-latency"), Strategy::kLeastLatency);
  EXPECT_EQ(parse_strategy("usage_based"), Strategy::kUsageBased);
  EXPECT_FALSE(parse_strategy("fastest"));
  for (auto s :
       {Strategy::kPriority, Strategy::kWeighted, Strategy::kRoundRobin, Strategy::kLeastBusy,
        Strategy::kLeastLatency, Strategy::kLeastCost, Strategy::kUsageBased}) {
    EXPECT_EQ(parse_strategy(to_string(s)), s);
  }
}

}  // namespace
}  // namespace sy::routing
