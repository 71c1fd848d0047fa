#include "store/memory_counters.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace sy::store {
namespace {

AdmitRequest request(std::string key, KeyLimits limits, int64_t now, int64_t tokens = 0,
                     Micros cost = 0, BalanceSeed seed = {}) {
  AdmitRequest r;
  r.key_id = std::move(key);
  r.limits = limits;
  r.seed = seed;
  r.estimated_tokens = tokens;
  r.worst_case_cost = cost;
  r.now_ms = now;
  return r;
}

TEST(TokenBucket, AdmitsLimitThenRefillsContinuously) {
  TokenBucket b;
  b.refill(60, 0);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(b.try_take(1));
  EXPECT_FALSE(b.try_take(1));
  EXPECT_EQ(b.ms_until(1), 1000);
  EXPECT_EQ(b.ms_until_full(), 60'000);
  b.refill(60, 999);
  EXPECT_FALSE(b.try_take(1));
  b.refill(60, 1000);
  EXPECT_TRUE(b.try_take(1));
  EXPECT_EQ(b.ms_until(61), -1);
}

TEST(MemoryCounters, RequestsPerMinuteWithFakeTime) {
  MemoryCounters c;
  KeyLimits limits{.rpm = 3};
  for (int i = 0; i < 3; ++i) {
    auto a = c.admit(request("k", limits, 0));
    ASSERT_EQ(a.outcome, Admission::Outcome::kAdmitted);
    EXPECT_EQ(a.requests.remaining, 2 - i);
    c.release(a.reservation);
  }
  auto refused = c.admit(request("k", limits, 0));
  EXPECT_EQ(refused.outcome, Admission::Outcome::kRequestsExceeded);
  EXPECT_EQ(refused.retry_after_ms, 20'000);
  EXPECT_EQ(refused.requests.remaining, 0);
  EXPECT_EQ(refused.requests.reset_ms, 60'000);
  EXPECT_EQ(c.admit(request("k", limits, 19'999)).outcome, Admission::Outcome::kRequestsExceeded);
  EXPECT_EQ(c.admit(request("k", limits, 20'000)).outcome, Admission::Outcome::kAdmitted);
  // Another key is independent.
  EXPECT_EQ(c.admit(request("other", limits, 0)).outcome, Admission::Outcome::kAdmitted);
}

TEST(MemoryCounters, TokensPerMinuteRefundsUnusedTokensOnSettle) {
  MemoryCounters c;
  KeyLimits limits{.tpm = 1000};
  auto a = c.admit(request("k", limits, 0, 800));
  ASSERT_EQ(a.outcome, Admission::Outcome::kAdmitted);
  EXPECT_EQ(a.tokens.remaining, 200);
  auto refused = c.admit(request("k", limits, 0, 300));
  EXPECT_EQ(refused.outcome, Admission::Outcome::kTokensExceeded);
  EXPECT_EQ(refused.retry_after_ms, 6'000);  // 100 tokens at 1000/min
  // The first request only used 100 tokens: 700 come back.
  ASSERT_TRUE(c.settle(a.reservation, {0, 100, 0}));
  EXPECT_EQ(c.admit(request("k", limits, 0, 300)).outcome, Admission::Outcome::kAdmitted);
  // A request larger than the whole limit can never fit.
  auto too_big = c.admit(request("k", limits, 0, 5000));
  EXPECT_EQ(too_big.outcome, Admission::Outcome::kTokensExceeded);
  EXPECT_EQ(too_big.retry_after_ms, 60'000);
}

TEST(MemoryCounters, MaxParallel) {
  MemoryCounters c;
  KeyLimits limits{.max_parallel = 2};
  auto a = c.admit(request("k", limits, 0));
  auto b = c.admit(request("k", limits, 0));
  EXPECT_EQ(c.admit(request("k", limits, 0)).outcome, Admission::Outcome::kParallelExceeded);
  EXPECT_TRUE(c.release(a.reservation));
  EXPECT_FALSE(c.release(a.reservation));  // idempotent
  EXPECT_EQ(c.admit(request("k", limits, 0)).outcome, Admission::Outcome::kAdmitted);
  EXPECT_TRUE(c.settle(b.reservation, {0, 0, 0}));
  EXPECT_FALSE(c.settle(b.reservation, {0, 0, 0}));
}

TEST(MemoryCounters, SettleIsIdempotentAndChargesOnce) {
  MemoryCounters c;
  KeyLimits limits{.budget = 1000};
  auto a = c.admit(request("k", limits, 0, 0, 400));
  ASSERT_EQ(a.outcome, Admission::Outcome::kAdmitted);
  EXPECT_EQ(c.balance("k", 0).reserved, 400);
  EXPECT_TRUE(c.settle(a.reservation, {250, 0, 0}));
  EXPECT_FALSE(c.settle(a.reservation, {250, 0, 0}));
  EXPECT_FALSE(c.release(a.reservation));
  const LiveBalance b = c.balance("k", 0);
  EXPECT_EQ(b.spent, 250);
  EXPECT_EQ(b.reserved, 0);
  EXPECT_EQ(b.in_flight, 0);
}

TEST(MemoryCounters, BudgetResetsAtPeriodBoundaryAndSeedIsUsedOnce) {
  MemoryCounters c;
  const int64_t day = 86'400'000;
  const int64_t t0 = 20'000 * day + 1000;  // some UTC day, just after midnight
  KeyLimits limits{.budget = 1000, .budget_period = BudgetPeriod::kDaily};
  BalanceSeed seed{20'000 * day, 900, std::nullopt};
  auto refused = c.admit(request("k", limits, t0, 0, 200, seed));
  EXPECT_EQ(refused.outcome, Admission::Outcome::kBudgetExceeded);
  EXPECT_EQ(refused.retry_after_ms, day - 1000);
  // A later seed is ignored: the counters know better.
  EXPECT_EQ(c.admit(request("k", limits, t0, 0, 200, {})).outcome,
            Admission::Outcome::kBudgetExceeded);
  EXPECT_EQ(c.admit(request("k", limits, t0 + day, 0, 200)).outcome, Admission::Outcome::kAdmitted);
  EXPECT_EQ(c.balance("k", t0 + day).spent, 0);
}

TEST(MemoryCounters, CreditsAndTopUp) {
  MemoryCounters c;
  KeyLimits limits{};
  BalanceSeed seed{0, 0, Micros{100}};
  EXPECT_EQ(c.admit(request("k", limits, 0, 0, 150, seed)).outcome,
            Admission::Outcome::kCreditsExceeded);
  c.add_credits("k", 100, {0, 0, Micros{200}});
  auto a = c.admit(request("k", limits, 0, 0, 150, seed));
  ASSERT_EQ(a.outcome, Admission::Outcome::kAdmitted);
  c.settle(a.reservation, {120, 0, 0});
  EXPECT_EQ(c.balance("k", 0).credits, Micros{80});
  // Top-up of a key the counters never saw uses the seed after top-up.
  c.add_credits("fresh", 50, {0, 0, Micros{50}});
  EXPECT_EQ(c.balance("fresh", 0).credits, Micros{50});
}

// 200 threads race reservations against credits that cover exactly 50.
TEST(MemoryCounters, ConcurrentReservationsNeverOverspend) {
  MemoryCounters c;
  constexpr Micros kCost = 1000;
  BalanceSeed seed{0, 0, Micros{50 * kCost}};
  KeyLimits limits{.budget = 50 * kCost};
  std::atomic<int> admitted{0}, ready{0};
  std::atomic<bool> go{false};
  std::atomic<bool> negative_seen{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 200; ++i) {
    threads.emplace_back([&] {
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      auto a = c.admit(request("k", limits, 0, 0, kCost, seed));
      if (a.outcome != Admission::Outcome::kAdmitted) return;
      admitted.fetch_add(1);
      const LiveBalance b = c.balance("k", 0);
      if (*b.credits - b.reserved < 0 || b.spent + b.reserved > 50 * kCost) {
        negative_seen = true;
      }
      c.settle(a.reservation, {kCost, 0, 0});
    });
  }
  while (ready.load() < 200) std::this_thread::yield();
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_FALSE(negative_seen.load());
  EXPECT_EQ(admitted.load(), 50);
  const LiveBalance b = c.balance("k", 0);
  EXPECT_EQ(b.credits, Micros{0});
  EXPECT_EQ(b.spent, 50 * kCost);
  EXPECT_EQ(b.reserved, 0);
  EXPECT_EQ(b.in_flight, 0);
}

}  // namespace
}  // namespace sy::store
