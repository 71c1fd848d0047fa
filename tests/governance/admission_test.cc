#include "governance/admission.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "governance/async_admission.h"
#include "store/memory_counters.h"

namespace sy::governance {
namespace {

std::string header(const Headers& h, const std::string& name) {
  for (const auto& [k, v] : h) {
    if (k == name) return v;
  }
  return "<absent>";
}

const Prices kPrices = Prices::from_usd_per_million(1.0, 2.0);  // 1 / 2 micros per token

TEST(Governor, RequestLimitHeadersAndRetryAfter) {
  store::MemoryCounters counters;
  store::ManualClock clock;
  Governor gov(counters, clock);
  store::KeyRecord key;
  key.id = "k";
  key.rpm = 2;
  key.tpm = 1000;
  auto first = gov.admit(key, {100, 100, kPrices});
  ASSERT_TRUE(first);
  EXPECT_EQ(header(first->headers, "x-ratelimit-limit-requests"), "2");
  EXPECT_EQ(header(first->headers, "x-ratelimit-remaining-requests"), "1");
  EXPECT_EQ(header(first->headers, "x-ratelimit-reset-requests"), "30s");
  EXPECT_EQ(header(first->headers, "x-ratelimit-limit-tokens"), "1000");
  EXPECT_EQ(header(first->headers, "x-ratelimit-remaining-tokens"), "800");
  EXPECT_EQ(header(first->headers, "x-ratelimit-reset-tokens"), "12s");
  gov.release(*first);
  ASSERT_TRUE(gov.admit(key, {0, 0, kPrices}));
  auto refused = gov.admit(key, {0, 0, kPrices});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().error.status, 429);
  EXPECT_EQ(refused.error().error.code, "rate_limit_exceeded");
  EXPECT_EQ(header(refused.error().headers, "retry-after"), "30");
  EXPECT_EQ(header(refused.error().headers, "x-ratelimit-remaining-requests"), "0");
  EXPECT_EQ(header(refused.error().headers, "x-ratelimit-reset-requests"), "1m0s");
  clock.advance_ms(30'000);
  EXPECT_TRUE(gov.admit(key, {0, 0, kPrices}));
}

TEST(Governor, TokenLimit) {
  store::MemoryCounters counters;
  store::ManualClock clock;
  Governor gov(counters, clock);
  store::KeyRecord key;
  key.id = "k";
  key.tpm = 600;
  auto a = gov.admit(key, {200, 300, kPrices});
  ASSERT_TRUE(a);
  auto refused = gov.admit(key, {200, 300, kPrices});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().error.status, 429);
  EXPECT_EQ(header(refused.error().headers, "retry-after"), "40");  // 400 tokens at 10/s
  EXPECT_EQ(header(refused.error().headers, "x-ratelimit-remaining-tokens"), "100");
  EXPECT_EQ(header(refused.error().headers, "x-ratelimit-limit-requests"), "<absent>");
  // Actual usage was small: the unused estimate returns to the bucket.
  api::Usage u;
  u.known = true;
  u.prompt_tokens = 200;
  u.completion_tokens = 10;
  EXPECT_EQ(gov.settle(*a, u, kPrices), 220);
  EXPECT_TRUE(gov.admit(key, {200, 100, kPrices}));
  auto huge = gov.admit(key, {5000, 0, kPrices});
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().error.message.find("too large"), std::string::npos);
}

TEST(Governor, ParallelAndQuota) {
  store::MemoryCounters counters;
  store::ManualClock clock;
  Governor gov(counters, clock);
  store::KeyRecord key;
  key.id = "k";
  key.max_parallel = 1;
  key.credits = 1000;
  auto a = gov.admit(key, {100, 100, kPrices});  // reserves 300
  ASSERT_TRUE(a);
  auto busy = gov.admit(key, {1, 1, kPrices});
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().error.status, 429);
  EXPECT_EQ(header(busy.error().headers, "retry-after"), "1");
  gov.settle_cost(*a, 300, 200);
  auto broke = gov.admit(key, {400, 0, kPrices});  // 400 > 700 left? no: fits
  ASSERT_TRUE(broke);
  gov.release(*broke);
  auto over = gov.admit(key, {701, 0, kPrices});
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().error.status, 429);
  EXPECT_EQ(over.error().error.code, "insufficient_quota");
  EXPECT_EQ(header(over.error().headers, "retry-after"), "<absent>");

  store::KeyRecord budgeted;
  budgeted.id = "b";
  budgeted.budget = 500;
  budgeted.budget_period = store::BudgetPeriod::kDaily;
  auto refused = gov.admit(budgeted, {0, 501, kPrices});  // 1002 > 500
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().error.code, "insufficient_quota");
  EXPECT_NE(header(refused.error().headers, "retry-after"), "<absent>");  // next day
}

TEST(Governor, StreamCancelledByClientSettlesPartialUsage) {
  store::MemoryCounters counters;
  store::ManualClock clock;
  Governor gov(counters, clock);
  store::KeyRecord key;
  key.id = "k";
  key.credits = 10'000;
  auto t = gov.admit(key, {1000, 4000, kPrices});  // reserves 9000
  ASSERT_TRUE(t);
  EXPECT_EQ(counters.balance("k", clock.now_ms()).reserved, 9000);
  // The client hung up after 37 output tokens: the caller settles what was used.
  api::Usage partial;
  partial.prompt_tokens = 1000;
  partial.completion_tokens = 37;
  EXPECT_EQ(gov.settle(*t, partial, kPrices), 1074);
  // A second settle (e.g. both the relay and a disconnect handler) charges nothing more.
  gov.settle(*t, partial, kPrices);
  EXPECT_FALSE(gov.release(*t));
  const store::LiveBalance b = counters.balance("k", clock.now_ms());
  EXPECT_EQ(b.credits, store::Micros{10'000 - 1074});
  EXPECT_EQ(b.reserved, 0);
}

TEST(Governor, TwoHundredRacingRequestsAgainstABalanceForFifty) {
  store::MemoryCounters counters;
  store::SystemClock clock;
  Governor gov(counters, clock);
  store::KeyRecord key;
  key.id = "k";
  key.credits = 50 * 300;  // each request reserves 100*1 + 100*2 = 300
  std::atomic<int> admitted{0}, rejected_quota{0}, attempted{0};
  std::atomic<bool> go{false};
  std::atomic<store::Micros> charged{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 200; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      auto t = gov.admit(key, {100, 100, kPrices});
      attempted.fetch_add(1);
      if (!t) {
        if (t.error().error.code == "insufficient_quota") rejected_quota.fetch_add(1);
        return;
      }
      admitted.fetch_add(1);
      const auto b = counters.balance("k", 0);
      EXPECT_GE(*b.credits - b.reserved, 0);
      // Hold the reservation while all 200 race (settling early would free
      // balance for later requests, since actual cost is below the worst case).
      while (attempted.load() < 200) std::this_thread::yield();
      api::Usage u;
      u.prompt_tokens = 100;
      u.completion_tokens = i % 100;  // actual below the worst case
      charged.fetch_add(gov.settle(*t, u, kPrices));
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 50);
  EXPECT_EQ(rejected_quota.load(), 150);
  const auto b = counters.balance("k", 0);
  EXPECT_EQ(b.reserved, 0);
  EXPECT_EQ(*b.credits, 50 * 300 - charged.load());
  EXPECT_GE(*b.credits, 0);
  EXPECT_EQ(b.spent, charged.load());
}

TEST(AsyncGovernor, SameDecisionsThroughTheAdapter) {
  store::MemoryCounters counters;
  store::SyncCountersAdapter adapter(counters);
  store::ManualClock clock;
  AsyncGovernor gov(adapter, clock);
  store::KeyRecord key;
  key.id = "k";
  key.rpm = 1;
  key.credits = 1000;
  boost::asio::io_context io;
  auto done = boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<int> {
        auto t = co_await gov.admit(key, {10, 10, kPrices});
        if (!t) co_return 1;
        auto second = co_await gov.admit(key, {10, 10, kPrices});
        if (second || second.error().error.status != 429) co_return 2;
        api::Usage u;
        u.prompt_tokens = 10;
        const store::Micros cost = co_await gov.settle(*t, u, kPrices);
        if (cost != 10) co_return 3;
        if (co_await gov.release(*t)) co_return 4;  // already settled
        co_return 0;
      },
      boost::asio::use_future);
  io.run();
  EXPECT_EQ(done.get(), 0);
  EXPECT_EQ(counters.balance("k", 0).credits, store::Micros{990});
}

}  // namespace
}  // namespace sy::governance
