// RequestFacts::allowed_groups: routing never leaves the allowed set, neither
// when planning (`fallbacks:`, context_window_fallbacks) nor when RouteRun
// splices conditional fallbacks after a failure.
#include <gtest/gtest.h>

#include "fixture.h"
#include "routing/plan.h"
#include "routing/run.h"

namespace sy::routing {
namespace {

using namespace std::chrono_literals;
using providers::ErrorClass;
using testing::Tables;

std::vector<std::string> groups_of(const RoutePlan& p) {
  std::vector<std::string> v;
  for (const Attempt& a : p.attempts) v.push_back(a.group->name);
  return v;
}

RequestFacts facts(std::vector<std::string> models, std::vector<std::string> allowed,
                   int64_t prompt = 100) {
  RequestFacts f;
  f.model = models.front();
  f.models = std::move(models);
  f.allowed_groups = std::move(allowed);
  f.prompt_tokens = prompt;
  f.max_tokens = 100;
  return f;
}

void one_attempt_each(Tables& t) {
  for (auto& [name, g] : t.rc.groups) g.retries.max_attempts = 1;
}

TEST(AllowedGroups, PlanDropsFallbacksOutsideTheSet) {
  Tables t;
  t.add("local-a", {{"a", "m"}}).fallbacks = {"cloud", "local-b"};
  t.add("local-b", {{"b", "m"}});
  t.add("cloud", {{"c", "m"}});
  one_attempt_each(t);
  t.build();
  Rng rng(1);
  RoutePlan open = make_plan(*t.table, facts({"local-a"}, {}), t.clock.now_ns(), rng);
  EXPECT_EQ(groups_of(open), (std::vector<std::string>{"local-a", "cloud", "local-b"}));
  RoutePlan p =
      make_plan(*t.table, facts({"local-a"}, {"local-a", "local-b"}), t.clock.now_ns(), rng);
  EXPECT_EQ(groups_of(p), (std::vector<std::string>{"local-a", "local-b"}));
  EXPECT_EQ(p.allowed_groups, (std::vector<std::string>{"local-a", "local-b"}));
  EXPECT_NE(explain_json(p, t.clock.now_ns()).find("\"allowed_groups\":[\"local-a\",\"local-b\"]"),
            std::string::npos);
}

TEST(AllowedGroups, ContextWindowFallbackOutsideTheSetIsNotPlanned) {
  Tables t;
  // gpt-4o: 128k window; claude-3-5-sonnet-latest: 200k (builtin catalog).
  t.add("small", {{"openai", "gpt-4o"}}).context_window_fallbacks = {"large"};
  t.add("large", {{"anthropic", "claude-3-5-sonnet-latest"}});
  t.build();
  Rng rng(1);
  RoutePlan p = make_plan(*t.table, facts({"small"}, {"small"}, 150'000), t.clock.now_ns(), rng);
  EXPECT_EQ(p.status, PlanStatus::kNoFit);
  EXPECT_TRUE(p.attempts.empty());
}

TEST(AllowedGroups, RunNeverSplicesConditionalFallbacksOutsideTheSet) {
  Tables t;
  t.add("g", {{"a", "m"}}).context_window_fallbacks = {"big", "big-allowed"};
  t.rc.groups["g"].content_policy_fallbacks = {"lenient"};
  t.add("big", {{"c", "m"}});
  t.add("big-allowed", {{"d", "m"}});
  t.add("lenient", {{"e", "m"}});
  one_attempt_each(t);
  t.build();
  Rng rng(1);
  {
    RouteRun run(*t.table,
                 make_plan(*t.table, facts({"g"}, {"g", "big-allowed"}), t.clock.now_ns(), rng),
                 t.clock, rng);
    auto a = run.next();
    ASSERT_TRUE(a);
    EXPECT_FALSE(run.failed(std::move(*a), ErrorClass::kContextLength, std::nullopt).give_up);
    auto b = run.next();
    ASSERT_TRUE(b);
    EXPECT_EQ(b->group().name, "big-allowed");
    EXPECT_TRUE(run.failed(std::move(*b), ErrorClass::kServerError, std::nullopt).give_up);
    EXPECT_FALSE(run.next());
  }
  {
    RouteRun run(*t.table, make_plan(*t.table, facts({"g"}, {"g"}), t.clock.now_ns(), rng), t.clock,
                 rng);
    auto a = run.next();
    ASSERT_TRUE(a);
    // The only content_policy_fallback is outside the set: the request ends.
    EXPECT_TRUE(run.failed(std::move(*a), ErrorClass::kContentPolicy, std::nullopt).give_up);
    EXPECT_FALSE(run.next());
  }
}

TEST(AllowedGroups, TableCarriesCatalogCapabilities) {
  Tables t;
  t.add("o3", {{"openai", "o3-mini"}});
  t.add("local", {{"ollama", "llama-private"}});
  t.build();
  const auto& caps = t.group("o3").deployments[0].capabilities;
  ASSERT_TRUE(caps.has_value());
  EXPECT_TRUE(caps->has(catalog::Capability::kTools));
  EXPECT_FALSE(caps->has(catalog::Capability::kVision));
  EXPECT_FALSE(t.group("local").deployments[0].capabilities.has_value());
}

}  // namespace
}  // namespace sy::routing
