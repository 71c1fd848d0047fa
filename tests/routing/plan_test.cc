#include "routing/plan.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "fixture.h"
#include "routing/run.h"

namespace sy::routing {
namespace {

using namespace std::chrono_literals;
using providers::ErrorClass;
using testing::caps;
using testing::Tables;

struct Row {
  std::string group;
  size_t deployment;
  std::string reason;
  bool operator==(const Row&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << "{" << r.group << "," << r.deployment << "," << r.reason << "}";
}

std::vector<Row> rows(const RoutePlan& p) {
  std::vector<Row> v;
  for (const Attempt& a : p.attempts) v.push_back({a.group->name, a.deployment, a.reason});
  return v;
}

RequestFacts facts(std::string model, int64_t prompt = 100, std::optional<int64_t> max = 100) {
  RequestFacts f;
  f.model = std::move(model);
  f.prompt_tokens = prompt;
  f.max_tokens = max;
  return f;
}

void fail_n(DeploymentHealth& h, const ManualClock& c, int n) {
  for (int i = 0; i < n; ++i)
    h.record(c.now_ns(), ErrorClass::kServerError, false, false, Nanos(0), Nanos(0));
}

TEST(Plan, PrimaryRetriesAndFallbacks) {
  Tables t;
  t.add("main", {{"a", "m"}, {"b", "m"}}).fallbacks = {"backup"};
  t.rc.groups["main"].retries.max_attempts = 3;
  t.add("backup", {{"c", "m"}}).retries.max_attempts = 1;
  t.build();
  Rng rng(1);
  RoutePlan p = make_plan(*t.table, facts("main"), t.clock.now_ns(), rng);
  EXPECT_EQ(p.status, PlanStatus::kReady);
  // max_attempts 3 over 2 deployments: the first is repeated as a retry.
  EXPECT_EQ(rows(p), (std::vector<Row>{{"main", 0, "primary"},
                                       {"main", 1, "retry"},
                                       {"main", 0, "retry"},
                                       {"backup", 0, "fallback:fallbacks"}}));
}

TEST(Plan, RequestLevelModelsList) {
  Tables t;
  t.add("gpt-4o", {{"a", "m"}}).fallbacks = {"local"};
  t.add("claude", {{"b", "m"}});
  t.add("gemini", {{"c", "m"}});
  t.add("local", {{"d", "m"}});
  for (auto& [name, g] : t.rc.groups) g.retries.max_attempts = 1;
  t.build();
  Rng rng(1);
  RequestFacts f = facts("ignored");
  f.models = {"gpt-4o", "claude", "gemini"};
  RoutePlan p = make_plan(*t.table, f, t.clock.now_ns(), rng);
  EXPECT_EQ(rows(p), (std::vector<Row>{{"gpt-4o", 0, "primary"},
                                       {"claude", 0, "fallback:models"},
                                       {"gemini", 0, "fallback:models"},
                                       {"local", 0, "fallback:fallbacks"}}));
  f.models = {"gpt-4o", "nope"};
  p = make_plan(*t.table, f, t.clock.now_ns(), rng);
  EXPECT_EQ(p.status, PlanStatus::kUnknownModel);
  EXPECT_NE(p.message.find("'nope'"), std::string::npos);
}

TEST(Plan, ContextWindowFallbackBeforeSending) {
  Tables t;
  // gpt-4o: 128k window; claude-3-5-sonnet-latest: 200k (builtin catalog).
  t.add("small", {{"openai", "gpt-4o"}}).context_window_fallbacks = {"large"};
  t.add("large", {{"anthropic", "claude-3-5-sonnet-latest"}});
  t.build();
  Rng rng(1);
  RoutePlan fits = make_plan(*t.table, facts("small", 100'000, 1000), t.clock.now_ns(), rng);
  EXPECT_EQ(fits.attempts.front().group->name, "small");
  RoutePlan p = make_plan(*t.table, facts("small", 150'000, 1000), t.clock.now_ns(), rng);
  EXPECT_EQ(p.status, PlanStatus::kReady);
  ASSERT_FALSE(p.attempts.empty());
  EXPECT_EQ(p.attempts.front().group->name, "large");
  EXPECT_EQ(p.attempts.front().reason, "fallback:context_window");
  ASSERT_EQ(p.skipped.size(), 1u);
  EXPECT_NE(p.skipped[0].why.find("context window is 128000"), std::string::npos);
  RoutePlan none = make_plan(*t.table, facts("small", 250'000, 1000), t.clock.now_ns(), rng);
  EXPECT_EQ(none.status, PlanStatus::kNoFit);
}

TEST(Plan, AllOpenIsUnavailableNamingTheGroup) {
  Tables t;
  t.add("g", {{"a", "m"}, {"b", "m"}});
  t.build();
  fail_n(t.health("g", 0), t.clock, 5);
  t.clock.advance(1s);
  fail_n(t.health("g", 1), t.clock, 5);
  Rng rng(1);
  RoutePlan p = make_plan(*t.table, facts("g"), t.clock.now_ns(), rng);
  EXPECT_EQ(p.status, PlanStatus::kUnavailable);
  EXPECT_NE(p.message.find("'g'"), std::string::npos);
  ASSERT_TRUE(p.retry_after);
  EXPECT_EQ(*p.retry_after, 4s);  // a reopens first (5 s cooldown, opened 1 s earlier)
}

TEST(Plan, AllAtCapMeansWait) {
  Tables t;
  t.add("g", {{"a", "m", caps(0, 0, 1)}});
  t.build();
  auto held = t.health("g", 0).caps().try_admit(t.clock.now_ns(), 1);
  Rng rng(1);
  EXPECT_EQ(make_plan(*t.table, facts("g"), t.clock.now_ns(), rng).status, PlanStatus::kWait);
  t.health("g", 0).caps().settle(*held, 1);
  EXPECT_EQ(make_plan(*t.table, facts("g"), t.clock.now_ns(), rng).status, PlanStatus::kReady);
}

TEST(Plan, ExplainJson) {
  Tables t;
  t.add("small", {{"openai", "gpt-4o"}, {"b", "m"}}).context_window_fallbacks = {"large"};
  t.rc.groups["small"].fallbacks = {"large"};
  t.rc.groups["small"].retries.max_attempts = 3;
  t.add("large", {{"anthropic", "claude-3-5-sonnet-latest"}});
  t.rc.groups["large"].retries.max_attempts = 3;
  t.build();
  fail_n(t.health("small", 1), t.clock, 5);
  Rng rng(1);
  RoutePlan p = make_plan(*t.table, facts("small"), t.clock.now_ns(), rng);
  std::string json = explain_json(p, t.clock.now_ns());
  rapidjson::Document d;
  d.Parse(json.c_str());
  ASSERT_FALSE(d.HasParseError()) << json;
  EXPECT_STREQ(d["status"].GetString(), "ready");
  EXPECT_STREQ(d["model"].GetString(), "small");
  const auto& attempts = d["attempts"];
  ASSERT_GE(attempts.Size(), 3u);
  EXPECT_STREQ(attempts[0]["provider"].GetString(), "openai");
  EXPECT_STREQ(attempts[0]["reason"].GetString(), "primary");
  EXPECT_STREQ(attempts[1]["standing"].GetString(), "open");
  EXPECT_NE(std::string(attempts[1]["why"].GetString()).find("circuit open"), std::string::npos);
  // small: gpt-4o, b (open), gpt-4o again (max_attempts 3); then large x3.
  ASSERT_EQ(attempts.Size(), 6u);
  EXPECT_STREQ(attempts[2]["reason"].GetString(), "retry");
  EXPECT_STREQ(attempts[3]["group"].GetString(), "large");
  EXPECT_STREQ(attempts[3]["reason"].GetString(), "fallback:fallbacks");
  EXPECT_EQ(attempts[3]["position"].GetInt(), 4);
  EXPECT_STREQ(d["conditional"]["small"]["context_window_fallbacks"][0].GetString(), "large");
  EXPECT_STREQ(d["groups"]["small"]["deployments"][1]["breaker"].GetString(), "open");
  EXPECT_EQ(d["request"]["prompt_tokens"].GetInt(), 100);
}

// ---- RouteRun: walking the plan ----

TEST(Run, RetryableFailureMovesToNextDeploymentAtOnce) {
  Tables t;
  t.add("g", {{"a", "m"}, {"b", "m"}});
  t.build();
  Rng rng(1);
  RouteRun run(*t.table, make_plan(*t.table, facts("g"), t.clock.now_ns(), rng), t.clock, rng);
  auto a = run.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->target().provider, "a");
  EXPECT_EQ(t.health("g", 0).caps().in_flight(), 1);
  auto d = run.failed(std::move(*a), ErrorClass::kServerError, std::nullopt);
  EXPECT_FALSE(d.give_up);
  EXPECT_EQ(d.delay, Nanos(0));
  EXPECT_EQ(t.health("g", 0).caps().in_flight(), 0);
  auto b = run.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->target().provider, "b");
  run.succeeded(std::move(*b), 120ms, 300);
  EXPECT_EQ(run.sent(), 2);
  EXPECT_EQ(run.fallback_reason(), "");
  EXPECT_DOUBLE_EQ(*t.health("g", 1).ttfb_ewma_ms(false), 120.0);
}

TEST(Run, SameDeploymentRetryWaitsWithBackoffAndRetryAfter) {
  Tables t;
  t.add("g", {{"a", "m"}}).retries.max_attempts = 3;
  t.build();
  Rng rng(1);
  RouteRun run(*t.table, make_plan(*t.table, facts("g"), t.clock.now_ns(), rng), t.clock, rng);
  auto a = run.next();
  auto d = run.failed(std::move(*a), ErrorClass::kServerError, std::nullopt);
  EXPECT_FALSE(d.give_up);
  EXPECT_LT(d.delay, 250ms);  // U(0, base)
  t.clock.advance(d.delay);
  a = run.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->attempt().reason, "retry");
  d = run.failed(std::move(*a), ErrorClass::kRateLimited, 2s);
  EXPECT_FALSE(d.give_up);
  EXPECT_EQ(d.delay, 2s);  // the Retry-After is longer than any jitter
  t.clock.advance(d.delay);
  a = run.next();
  ASSERT_TRUE(a);
  d = run.failed(std::move(*a), ErrorClass::kServerError, std::nullopt);
  EXPECT_TRUE(d.give_up);  // 3 attempts used
  EXPECT_EQ(run.sent(), 3);
}

TEST(Run, FinalErrorsGiveUp) {
  for (ErrorClass c : {ErrorClass::kClientError, ErrorClass::kAuth}) {
    Tables t;
    t.add("g", {{"a", "m"}, {"b", "m"}});
    t.build();
    Rng rng(1);
    RouteRun run(*t.table, make_plan(*t.table, facts("g"), t.clock.now_ns(), rng), t.clock, rng);
    auto a = run.next();
    EXPECT_TRUE(run.failed(std::move(*a), c, std::nullopt).give_up);
  }
}

TEST(Run, ContextLengthAndContentPolicyFallbacks) {
  Tables t;
  t.add("g", {{"a", "m"}, {"b", "m"}}).context_window_fallbacks = {"big"};
  t.rc.groups["g"].content_policy_fallbacks = {"lenient"};
  t.rc.groups["g"].fallbacks = {"other"};
  t.add("big", {{"c", "m"}});
  t.add("lenient", {{"d", "m"}});
  t.add("other", {{"e", "m"}});
  t.build();
  Rng rng(1);
  {
    RouteRun run(*t.table, make_plan(*t.table, facts("g"), t.clock.now_ns(), rng), t.clock, rng);
    auto a = run.next();
    EXPECT_FALSE(run.failed(std::move(*a), ErrorClass::kContextLength, std::nullopt).give_up);
    auto b = run.next();
    ASSERT_TRUE(b);
    EXPECT_EQ(b->group().name, "big");
    EXPECT_EQ(b->attempt().reason, "fallback:context_window");
    run.succeeded(std::move(*b), 10ms, 10);
    EXPECT_EQ(run.fallback_reason(), "context_window");
  }
  {
    RouteRun run(*t.table, make_plan(*t.table, facts("g"), t.clock.now_ns(), rng), t.clock, rng);
    auto a = run.next();
    EXPECT_FALSE(run.failed(std::move(*a), ErrorClass::kContentPolicy, std::nullopt).give_up);
    auto b = run.next();
    ASSERT_TRUE(b);
    EXPECT_EQ(b->group().name, "lenient");
    // lenient refuses too and has no content_policy_fallbacks of its own:
    // the request ends (g's generic `fallbacks` are not used for refusals).
    EXPECT_TRUE(run.failed(std::move(*b), ErrorClass::kContentPolicy, std::nullopt).give_up);
  }
  {
    // A group without content_policy_fallbacks gives up.
    RouteRun run(*t.table, make_plan(*t.table, facts("other"), t.clock.now_ns(), rng), t.clock,
                 rng);
    auto a = run.next();
    EXPECT_TRUE(run.failed(std::move(*a), ErrorClass::kContentPolicy, std::nullopt).give_up);
  }
}

TEST(Run, SkipsOpenAtWalkTimeAndReportsUnavailable) {
  Tables t;
  t.add("g", {{"a", "m"}});
  t.build();
  Rng rng(1);
  RoutePlan p = make_plan(*t.table, facts("g"), t.clock.now_ns(), rng);
  fail_n(t.health("g", 0), t.clock, 5);  // opens after planning
  RouteRun run(*t.table, std::move(p), t.clock, rng);
  EXPECT_FALSE(run.next());
  EXPECT_EQ(run.sent(), 0);
  EXPECT_NE(run.unavailable_message().find("'g'"), std::string::npos);
}

TEST(Run, HalfOpenProbeThroughTheRun) {
  Tables t;
  t.add("g", {{"a", "m"}});
  t.build();
  fail_n(t.health("g", 0), t.clock, 5);
  t.clock.advance(5s);
  Rng rng(1);
  RouteRun r1(*t.table, make_plan(*t.table, facts("g"), t.clock.now_ns(), rng), t.clock, rng);
  RouteRun r2(*t.table, make_plan(*t.table, facts("g"), t.clock.now_ns(), rng), t.clock, rng);
  auto probe = r1.next();
  ASSERT_TRUE(probe);
  EXPECT_TRUE(probe->probe());
  EXPECT_FALSE(r2.next());  // only one probe
  r1.succeeded(std::move(*probe), 50ms, 10);
  EXPECT_EQ(t.health("g", 0).breaker().state(), BreakerState::kClosed);
}

TEST(Run, DroppedAdmissionReleasesCapsAndProbe) {
  Tables t;
  t.add("g", {{"a", "m", caps(0, 0, 1)}});
  t.build();
  Rng rng(1);
  {
    RouteRun run(*t.table, make_plan(*t.table, facts("g"), t.clock.now_ns(), rng), t.clock, rng);
    auto a = run.next();
    ASSERT_TRUE(a);
    EXPECT_EQ(t.health("g", 0).caps().in_flight(), 1);
  }
  EXPECT_EQ(t.health("g", 0).caps().in_flight(), 0);
}

TEST(Run, DeadlineStopsNewAttempts) {
  Tables t;
  t.add("g", {{"a", "m"}, {"b", "m"}}).retries.budget = 1s;
  t.build();
  Rng rng(1);
  RouteRun run(*t.table, make_plan(*t.table, facts("g"), t.clock.now_ns(), rng), t.clock, rng);
  auto a = run.next();
  t.clock.advance(2s);
  run.failed(std::move(*a), ErrorClass::kTimeout, std::nullopt);
  EXPECT_FALSE(run.next());
  EXPECT_NE(run.give_up_reason().find("deadline"), std::string::npos);
}

TEST(Run, HedgeTargetsAnotherDeployment) {
  Tables t;
  t.add("g", {{"a", "m"}, {"b", "m"}, {"c", "m"}});
  t.build();
  Rng rng(1);
  RouteRun run(*t.table, make_plan(*t.table, facts("g"), t.clock.now_ns(), rng), t.clock, rng);
  auto first = run.next();
  auto hedge = run.next_other_than(*first);
  ASSERT_TRUE(hedge);
  EXPECT_NE(hedge->target().index, first->target().index);
  run.succeeded(std::move(*hedge), 30ms, 10);
  run.cancelled(std::move(*first), 5);
  EXPECT_EQ(t.health("g", 0).caps().in_flight(), 0);
  EXPECT_EQ(t.health("g", 0).outcomes(t.clock.now_ns()), 0);  // the loser is not judged
  EXPECT_EQ(run.sent(), 2);
}

TEST(Run, OneOfTwoFailingHalfTheTimeNeverFailsTheClient) {
  Tables t;
  t.add("g", {{"flaky", "m"}, {"good", "m"}}, Strategy::kRoundRobin);
  t.build();
  Rng rng(2024);
  Rng coin(99);
  int ok = 0;
  for (int i = 0; i < 1000; ++i) {
    RouteRun run(*t.table, make_plan(*t.table, facts("g"), t.clock.now_ns(), rng), t.clock, rng);
    for (;;) {
      auto a = run.next();
      if (!a) break;
      if (a->target().index == 0 && coin.unit() < 0.5) {
        auto d = run.failed(std::move(*a), ErrorClass::kServerError, std::nullopt);
        if (d.give_up) break;
        t.clock.advance(d.delay);
        continue;
      }
      run.succeeded(std::move(*a), 10ms, 10);
      ++ok;
      break;
    }
    t.clock.advance(10ms);
  }
  EXPECT_EQ(ok, 1000);
}

}  // namespace
}  // namespace sy::routing
