// LegRace against the in-process provider emulator: heads arrive in the
// order the upstreams answer, a waiting race times out at `until`, and
// aborting a loser cancels its upstream request.
#include "server/upstream_leg.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_future.hpp>

#include <fmt/format.h>

#include "config/loader.h"
#include "emulator/emulator.h"

namespace sy::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class LegRaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const uint16_t port = emulator_.start();
    const std::string yaml = fmt::format(R"(
providers:
  slow: {{type: openai, base_url: "http://127.0.0.1:{0}/_s/latency=800,tag=slow/v1", api_key: k}}
  fast: {{type: openai, base_url: "http://127.0.0.1:{0}/_s/latency=100,tag=fast/v1", api_key: k}}
  down: {{type: openai, base_url: "http://127.0.0.1:{0}/_s/status=503,tag=down/v1", api_key: k}}
models:
  - name: m
    deployments:
      - {{provider: slow, model: gpt-4o}}
      - {{provider: fast, model: gpt-4o}}
      - {{provider: down, model: gpt-4o}}
)",
                                         port);
    auto cfg = config::load_from_string(yaml, "test.yaml");
    ASSERT_TRUE(cfg.has_value()) << cfg.error();
    config_ = std::make_shared<const config::Config>(std::move(*cfg));
    auto req = api::parse_request(api::Endpoint::kChatCompletions,
                                  R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
    ASSERT_TRUE(req.has_value());
    request_.emplace(std::move(*req));
  }

  std::shared_ptr<Leg> leg(size_t deployment) {
    auto l = prepare_leg(config_, config_->models[0].deployments[deployment], *request_, trace_);
    EXPECT_TRUE(l.has_value());
    return *l;
  }

  // Runs `body` as a coroutine on the io_context until it finishes.
  template <typename F>
  void run(F body) {
    auto done = asio::co_spawn(io_, body(), asio::use_future);
    io_.run();
    done.get();
  }

  emulator::Emulator emulator_{emulator::Options{}};
  config::ConfigPtr config_;
  std::optional<api::Request> request_;
  telemetry::TraceContext trace_ = telemetry::start_trace("", "");
  asio::io_context io_;
  asio::ssl::context tls_{asio::ssl::context::tls_client};
  upstream::Pool pool_{io_.get_executor(), tls_, upstream::PoolOptions{}};
  upstream::Deadlines deadlines_{5s, 10s, 5s};
};

TEST_F(LegRaceTest, FirstHeadWinsAndTheLoserIsCancelled) {
  std::shared_ptr<Leg> slow = leg(0), fast = leg(1);
  run([&]() -> asio::awaitable<void> {
    LegRace race(io_.get_executor());
    race.launch(slow, pool_, deadlines_);
    race.launch(fast, pool_, deadlines_);
    std::shared_ptr<Leg> first = co_await race.next_head(std::chrono::steady_clock::time_point::max());
    EXPECT_EQ(first, fast);
    EXPECT_TRUE(first && first->head->has_value());
    if (!first || !first->head->has_value()) co_return;
    EXPECT_EQ((*first->head)->status, 200);
    EXPECT_TRUE(race.any_pending());
    race.abort_others(first.get());
    first->exchange->abort();
    std::shared_ptr<Leg> second = co_await race.next_head(std::chrono::steady_clock::time_point::max());
    EXPECT_EQ(second, slow);
    if (second != slow) co_return;
    EXPECT_FALSE(second->head->has_value()) << "the aborted loser ends with a failure";
    EXPECT_EQ(second->head->error().kind, upstream::FailureKind::kCancelled);
    EXPECT_LT(second->ttfb, 700ms) << "aborting ended it before the upstream answered";
  });
}

TEST_F(LegRaceTest, WaitingUntilADeadlineReturnsNothing) {
  std::shared_ptr<Leg> slow = leg(0);
  run([&]() -> asio::awaitable<void> {
    LegRace race(io_.get_executor());
    race.launch(slow, pool_, deadlines_);
    const auto t0 = std::chrono::steady_clock::now();
    std::shared_ptr<Leg> none = co_await race.next_head(t0 + 150ms);
    EXPECT_EQ(none, nullptr);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 140ms);
    std::shared_ptr<Leg> later = co_await race.next_head(std::chrono::steady_clock::time_point::max());
    EXPECT_EQ(later, slow);
    if (later != slow || !later->head->has_value()) co_return;
    EXPECT_EQ((*later->head)->status, 200);
    EXPECT_EQ(co_await race.next_head(std::chrono::steady_clock::time_point::max()), nullptr)
        << "no leg pending: returns at once";
  });
}

TEST_F(LegRaceTest, AnErrorHeadIsReportedLikeAnyHead) {
  std::shared_ptr<Leg> down = leg(2);
  run([&]() -> asio::awaitable<void> {
    LegRace race(io_.get_executor());
    race.launch(down, pool_, deadlines_);
    std::shared_ptr<Leg> h = co_await race.next_head(std::chrono::steady_clock::time_point::max());
    EXPECT_EQ(h, down);
    if (h != down || !h->head->has_value()) co_return;
    EXPECT_EQ((*h->head)->status, 503);
  });
}

TEST_F(LegRaceTest, PrepareLegAddsTraceHeaders) {
  std::shared_ptr<Leg> l = leg(1);
  bool traceparent = false;
  for (const auto& [k, v] : l->request.headers) traceparent |= k == "traceparent";
  EXPECT_TRUE(traceparent);
  EXPECT_EQ(l->provider->name, "fast");
  EXPECT_NE(l->adapter, nullptr);
}

}  // namespace
}  // namespace sy::server
