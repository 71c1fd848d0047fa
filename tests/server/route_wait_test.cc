// Waiting for capacity (route_wait.h) on a real io_context and the steady
// clock: woken when an admission on the group ends, answered at the queue
// timeout, not queued when the queue is off, and new requests join behind
// existing waiters.
#include "server/route_wait.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include "../routing/fixture.h"
#include "routing/run.h"

namespace sy::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using routing::PlanStatus;

class RouteWaitTest : public ::testing::Test {
 protected:
  void build(int max_parallel, routing::QueueOptions queue) {
    routing::testing::Dep d{"openai", "gpt-4o"};
    d.routing.caps.max_parallel = max_parallel;
    tables_.add("g", {d}).queue = queue;
    tables_.build();
    facts_.model = "g";
  }
  routing::RoutePlan plan() { return routing::make_plan(*tables_.table, facts_, clock_.now_ns(), rng_); }
  // Takes the only slot of a max_parallel: 1 deployment; returns the plan
  // of a second request, which must wait.
  routing::RoutePlan occupy() {
    run_.emplace(*tables_.table, plan(), clock_, rng_);
    busy_ = run_->next();
    EXPECT_TRUE(busy_);
    return plan();
  }
  // Waits on the io_context; returns how long it took.
  std::chrono::steady_clock::duration wait(routing::RoutePlan& p) {
    const auto t0 = std::chrono::steady_clock::now();
    asio::co_spawn(io_, wait_for_capacity(io_, *tables_.table, facts_, p, clock_, rng_),
                   asio::detached);
    io_.run();
    io_.restart();
    return std::chrono::steady_clock::now() - t0;
  }

  routing::testing::Tables tables_;
  routing::RequestFacts facts_;
  routing::Rng rng_{7};
  const routing::Clock& clock_ = routing::steady_clock();
  asio::io_context io_;
  std::optional<routing::RouteRun> run_;
  std::optional<routing::Admission> busy_;
};

TEST_F(RouteWaitTest, WokenWhenTheAdmissionOnTheGroupEnds) {
  build(1, {10, 5000ms});
  routing::RoutePlan waiting = occupy();
  ASSERT_EQ(waiting.status, PlanStatus::kWait);
  EXPECT_TRUE(must_wait(waiting));
  asio::steady_timer release(io_, 30ms);
  release.async_wait([&](auto) {
    run_->succeeded(std::move(*busy_), routing::Nanos(0), -1);
    busy_.reset();
  });
  const auto took = wait(waiting);
  EXPECT_EQ(waiting.status, PlanStatus::kReady);
  EXPECT_GE(took, 25ms);
  EXPECT_LT(took, 1000ms);
  EXPECT_FALSE(tables_.group("g").queue->has_waiters("g")) << "left the queue";
}

TEST_F(RouteWaitTest, AnsweredAtTheQueueTimeout) {
  build(1, {10, 120ms});
  routing::RoutePlan waiting = occupy();
  const auto took = wait(waiting);
  EXPECT_EQ(waiting.status, PlanStatus::kWait);
  EXPECT_GE(took, 110ms);
  EXPECT_LT(took, 1000ms);
}

TEST_F(RouteWaitTest, QueueOffAnswersAtOnce) {
  build(1, {0, 5000ms});
  routing::RoutePlan waiting = occupy();
  const auto took = wait(waiting);
  EXPECT_EQ(waiting.status, PlanStatus::kWait);
  EXPECT_LT(took, 100ms);
}

TEST_F(RouteWaitTest, NewRequestsJoinBehindWaiters) {
  build(2, {10, 5000ms});
  routing::RoutePlan ready = plan();
  ASSERT_EQ(ready.status, PlanStatus::kReady);
  EXPECT_FALSE(must_wait(ready));
  auto ahead = tables_.group("g").queue->join("g", clock_.now_ns(), {});
  ASSERT_TRUE(ahead);
  EXPECT_TRUE(must_wait(ready)) << "capacity is free, but someone waits ahead";
}

}  // namespace
}  // namespace sy::server
