#include "policy/decide.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "fixture.h"
#include "policy/explain.h"

namespace sy::policy {
namespace {

using namespace std::chrono_literals;
using testing::Body;
using testing::candidate;
using testing::input_for;
using testing::World;

const std::string kText = R"({"model":"auto","messages":[{"role":"user","content":"Hi"}]})";
const std::string kImage =
    R"({"model":"auto","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},
        {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]})";
const std::string kTools =
    R"({"model":"auto","messages":[{"role":"user","content":"Weather?"}],
        "tools":[{"type":"function","function":{"name":"weather","parameters":{}}}]})";
const std::string kSchema =
    R"({"model":"auto","messages":[{"role":"user","content":"Extract"}],
        "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{}}}})";

// Routes to the mini tier (no score reaches 1.0) or to the strongest tier (threshold 0).
void always_mini(World& w) { w.policy.threshold = 1.0; }
void always_strong(World& w) { w.policy.threshold = 0.0; }

TEST(TierForScore, Mapping) {
  EXPECT_EQ(tier_for_score(0.9, 0.5, 1), 0u);
  EXPECT_EQ(tier_for_score(0.49, 0.5, 2), 0u);
  EXPECT_EQ(tier_for_score(0.5, 0.5, 2), 1u);
  // Three tiers, threshold 0.5: [0.5, 0.75) → 1, [0.75, 1] → 2.
  EXPECT_EQ(tier_for_score(0.3, 0.5, 3), 0u);
  EXPECT_EQ(tier_for_score(0.6, 0.5, 3), 1u);
  EXPECT_EQ(tier_for_score(0.75, 0.5, 3), 2u);
  EXPECT_EQ(tier_for_score(1.0, 0.5, 3), 2u);
  EXPECT_EQ(tier_for_score(1.0, 1.0, 3), 2u);
}

TEST(Decide, RoutineGoesToTheCheapestMiniGroupWithFailoverUpwards) {
  World w;
  always_mini(w);
  Body b(kText);
  Decision d = decide(w.policy, *w.table, input_for(b));
  ASSERT_FALSE(d.error) << d.error->message;
  EXPECT_EQ(d.tier, "mini");
  // 50 prompt + 100 output tokens: deepseek $0.000056 < gpt-4o-mini $0.0000675 < qwen.
  EXPECT_EQ(d.model, "mini-b");
  // Mini tier by cost, then the standard tier by cost, then reasoning; never llama
  // (local groups outside the tiers are used only with privacy local).
  EXPECT_EQ(d.groups, (std::vector<std::string>{"mini-b", "mini-a", "small-ctx", "std-b", "std-a",
                                                "reason"}));
  EXPECT_TRUE(d.classifier.used);
  EXPECT_NE(d.reason.find("< 1.00 -> mini; prefer cost"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("-> mini-b"), std::string::npos) << d.reason;
}

TEST(Decide, VisionRemovesModelsWithoutIt) {
  World w;
  always_mini(w);
  Body b(kImage);
  Decision d = decide(w.policy, *w.table, input_for(b));
  ASSERT_FALSE(d.error);
  EXPECT_FALSE(candidate(d, "mini-b").kept);
  EXPECT_EQ(candidate(d, "mini-b").removed_by, "requirements");
  EXPECT_NE(candidate(d, "mini-b").why.find("does not support vision"), std::string::npos);
  EXPECT_FALSE(candidate(d, "reason").kept);
  EXPECT_TRUE(candidate(d, "mini-a").kept);
  EXPECT_EQ(d.groups, (std::vector<std::string>{"mini-a", "std-b", "std-a"}));
}

TEST(Decide, ToolsRemoveModelsWithoutThem) {
  World w;
  Body b(kTools);
  DecisionInput in = input_for(b);
  in.constraints.tier = "reasoning";
  in.constraints.tier_source = "route.tier";
  Decision d = decide(w.policy, *w.table, in);
  // reasoning = [o1-mini], which has no tools: nothing above, and never down.
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->status, 400);
  EXPECT_EQ(d.error->code, "route_unsatisfiable");
  EXPECT_NE(candidate(d, "reason").why.find("does not support tools"), std::string::npos);
  EXPECT_TRUE(d.groups.empty());
}

TEST(Decide, JsonSchemaRemovesModelsWithoutStructuredOutput) {
  World w;
  always_mini(w);
  w.policy.tiers[0].groups = {"std-b"};  // claude-3-5-haiku: no json_schema
  w.policy.tiers[1].groups = {"std-a"};
  Body b(kSchema);
  Decision d = decide(w.policy, *w.table, input_for(b));
  ASSERT_FALSE(d.error);
  EXPECT_NE(candidate(d, "std-b").why.find("JSON schema"), std::string::npos);
  // Step up: the mini tier has no qualifying group.
  EXPECT_EQ(d.tier, "standard");
  EXPECT_EQ(d.model, "std-a");
  EXPECT_NE(d.reason.find("none qualifies in mini, stepped up -> standard"), std::string::npos)
      << d.reason;
}

TEST(Decide, ContextLengthUsesEachModelsCountAndRequestedOutput) {
  World w;
  always_mini(w);
  Body b(kText);
  DecisionInput in = input_for(b, 31'000, 2'000);  // qwen-max: 32,768 window
  Decision d = decide(w.policy, *w.table, in);
  EXPECT_FALSE(candidate(d, "small-ctx").kept);
  EXPECT_NE(candidate(d, "small-ctx").why.find("needs 33000 tokens"), std::string::npos);
  in.requirements.max_tokens = 1'000;
  d = decide(w.policy, *w.table, in);
  EXPECT_TRUE(candidate(d, "small-ctx").kept);
  // The count is asked per deployment model.
  in.prompt_tokens = [](std::string_view model) { return model == "qwen-max" ? 40'000 : 10; };
  d = decide(w.policy, *w.table, in);
  EXPECT_FALSE(candidate(d, "small-ctx").kept);
  EXPECT_TRUE(candidate(d, "mini-a").kept);
}

TEST(Decide, NothingCapableIsAClearError) {
  World w;
  w.policy.tiers = {{"only", {"reason"}}};
  Body b(kImage);
  Decision d = decide(w.policy, *w.table, input_for(b));
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->code, "no_capable_model");
  EXPECT_EQ(d.error->param, "messages");
}

TEST(Decide, MaxCostRemovesTheExpensiveTier) {
  World w;
  always_mini(w);
  Body b(kText);
  DecisionInput in = input_for(b, 1'000, 1'000);
  // gpt-4o: (1000 × 2.5 + 1000 × 10) / 1e6 = $0.0125; gpt-4o-mini: $0.00075.
  in.constraints.max_cost_usd = 0.005;
  in.constraints.max_cost_source = "x-switchyard-max-cost-usd";
  Decision d = decide(w.policy, *w.table, in);
  ASSERT_FALSE(d.error);
  EXPECT_FALSE(candidate(d, "std-a").kept);
  EXPECT_EQ(candidate(d, "std-a").removed_by, "constraints");
  EXPECT_NE(candidate(d, "std-a").why.find("estimated cost $0.012500 > max $0.005000"),
            std::string::npos)
      << candidate(d, "std-a").why;
  EXPECT_FALSE(candidate(d, "small-ctx").kept);  // qwen-max: $0.008
  EXPECT_EQ(d.groups, (std::vector<std::string>{"mini-b", "mini-a", "std-b"}));
  // A request for the standard tier under a tighter bound fails rather than stepping down.
  in.constraints.tier = "standard";
  in.constraints.tier_source = "route.tier";
  in.constraints.max_cost_usd = 0.001;
  d = decide(w.policy, *w.table, in);
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->code, "route_unsatisfiable");
  EXPECT_EQ(d.error->param, "x-switchyard-max-cost-usd");
}

TEST(Decide, MaxCostWithoutMaxTokensUsesTheModelsMaxOutput) {
  World w;
  always_mini(w);
  Body b(kText);
  DecisionInput in = input_for(b, 100, std::nullopt);
  in.constraints.max_cost_usd = 0.05;
  Decision d = decide(w.policy, *w.table, in);
  // gpt-4o-mini: 16,384 max output × $0.60 = ~$0.0098 fits; gpt-4o ~$0.164 does not.
  EXPECT_TRUE(candidate(d, "mini-a").kept);
  EXPECT_FALSE(candidate(d, "std-a").kept);
}

TEST(Decide, MaxLatencyUsesObservedEwmaAndAllowsUnknown) {
  World w;
  always_mini(w);
  for (int i = 0; i < 5; ++i) {
    w.health("mini-a").record(1, providers::ErrorClass::kNone, false, false, 900ms, 0ns);
    w.health("mini-b").record(1, providers::ErrorClass::kNone, false, false, 100ms, 0ns);
  }
  Body b(kText);
  DecisionInput in = input_for(b);
  in.constraints.max_latency_ms = 500;
  in.constraints.max_latency_source = "route.max_latency_ms";
  Decision d = decide(w.policy, *w.table, in);
  ASSERT_FALSE(d.error);
  EXPECT_FALSE(candidate(d, "mini-a").kept);
  EXPECT_NE(candidate(d, "mini-a").why.find("TTFB EWMA"), std::string::npos);
  EXPECT_TRUE(candidate(d, "mini-b").kept);
  EXPECT_NE(candidate(d, "small-ctx").why.find("no latency samples yet (unknown, allowed)"),
            std::string::npos);
  EXPECT_EQ(d.model, "mini-b");
}

TEST(Decide, PrivacyLocalNeverListsANonLocalGroup) {
  World w;
  always_strong(w);
  Body b(kText);
  DecisionInput in = input_for(b);
  in.constraints.local_only = true;
  in.constraints.privacy_source = "x-switchyard-privacy";
  Decision d = decide(w.policy, *w.table, in);
  ASSERT_FALSE(d.error);
  EXPECT_EQ(d.groups, (std::vector<std::string>{"llama"}));
  EXPECT_EQ(d.tier, "local");
  EXPECT_TRUE(candidate(d, "llama").kept);
  EXPECT_EQ(candidate(d, "llama").tier, "local");
  for (const Candidate& c : d.candidates) {
    if (c.group != "llama") {
      EXPECT_FALSE(c.kept) << c.group;
      EXPECT_EQ(c.why, "privacy local: not a local group");
    }
  }
  // A local group inside a tier keeps its tier.
  w.policy.local = {"mini-b", "llama"};
  always_mini(w);
  d = decide(w.policy, *w.table, in);
  EXPECT_EQ(d.groups, (std::vector<std::string>{"mini-b", "llama"}));
  // No local group qualifies (vision): refused, never sent elsewhere.
  w.policy.local = {"mini-b"};
  Body image(kImage);
  DecisionInput vin = input_for(image);
  vin.constraints = in.constraints;
  d = decide(w.policy, *w.table, vin);
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->code, "privacy_unsatisfiable");
  EXPECT_EQ(d.error->param, "x-switchyard-privacy");
  EXPECT_TRUE(d.groups.empty());
}

TEST(Decide, ForcedTierOverridesTheClassifier) {
  World w;
  always_mini(w);
  Body b(kText);
  DecisionInput in = input_for(b);
  in.constraints.tier = "reasoning";
  in.constraints.tier_source = "x-switchyard-tier";
  Decision d = decide(w.policy, *w.table, in);
  ASSERT_FALSE(d.error);
  EXPECT_EQ(d.tier, "reasoning");
  EXPECT_EQ(d.groups, (std::vector<std::string>{"reason"}));
  EXPECT_FALSE(d.classifier.used);
  EXPECT_EQ(d.reason,
            "forced tier reasoning (x-switchyard-tier); prefer cost ($0.000495) -> reason");
  in.constraints.tier = "gold";
  d = decide(w.policy, *w.table, in);
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->param, "x-switchyard-tier");
  EXPECT_NE(d.error->message.find("tiers: mini, standard, reasoning"), std::string::npos);
}

TEST(Decide, PreferLatencyAndQuality) {
  World w;
  always_mini(w);
  for (int i = 0; i < 5; ++i) {
    w.health("mini-b").record(1, providers::ErrorClass::kNone, false, false, 300ms, 0ns);
    w.health("small-ctx").record(1, providers::ErrorClass::kNone, false, false, 100ms, 0ns);
  }
  Body b(kText);
  w.policy.prefer = Prefer::kLatency;
  Decision d = decide(w.policy, *w.table, input_for(b));
  // Measured ones by EWMA, then mini-a (no samples).
  EXPECT_EQ(d.groups[0], "small-ctx");
  EXPECT_EQ(d.groups[1], "mini-b");
  EXPECT_EQ(d.groups[2], "mini-a");
  w.policy.prefer = Prefer::kQuality;
  d = decide(w.policy, *w.table, input_for(b));
  EXPECT_EQ(d.groups[0], "mini-a");
  EXPECT_EQ(d.groups[1], "mini-b");
  EXPECT_EQ(d.groups[2], "small-ctx");
}

TEST(Decide, SameInputSameDecision) {
  World w;
  Body b(
      R"({"model":"auto","messages":[{"role":"user","content":"Prove that the sum of two even integers is )"
      R"(even, then write a Python function that checks it for a list of pairs."}]})");
  Decision first = decide(w.policy, *w.table, input_for(b));
  const std::string first_json = explain_json(w.policy, first, nullptr, "");
  for (int i = 0; i < 20; ++i) {
    Decision again = decide(w.policy, *w.table, input_for(b));
    EXPECT_EQ(again.groups, first.groups);
    EXPECT_EQ(again.reason, first.reason);
    EXPECT_EQ(explain_json(w.policy, again, nullptr, ""), first_json);
  }
}

TEST(Explain, NamesModelTierCandidatesFeaturesAndScores) {
  World w;
  always_mini(w);
  Body b(kImage);
  Decision d = decide(w.policy, *w.table, input_for(b));
  const std::string json = explain_json(w.policy, d, nullptr, R"({"status":"ready"})");
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(json.c_str()).HasParseError()) << json;
  EXPECT_STREQ(doc["status"].GetString(), "ready");
  EXPECT_STREQ(doc["model"].GetString(), "mini-a");
  EXPECT_STREQ(doc["tier"].GetString(), "mini");
  EXPECT_TRUE(doc["deployment"].IsNull());  // no plan given
  EXPECT_STREQ(doc["plan"]["status"].GetString(), "ready");
  ASSERT_TRUE(doc["candidates"].IsArray());
  bool saw_removed = false;
  for (const auto& c : doc["candidates"].GetArray()) {
    if (std::string(c["group"].GetString()) == "mini-b") {
      saw_removed = true;
      EXPECT_FALSE(c["kept"].GetBool());
      EXPECT_STREQ(c["removed_by"].GetString(), "requirements");
    }
  }
  EXPECT_TRUE(saw_removed);
  EXPECT_EQ(doc["features"]["images_present"].GetDouble(), 1.0);
  EXPECT_TRUE(doc["scores"]["strong"].IsNumber());
  EXPECT_EQ(doc["scores"]["threshold"].GetDouble(), 1.0);
  EXPECT_TRUE(doc["classifier"]["used"].GetBool());
  EXPECT_GE(doc["steps"].Size(), 4u);
}

TEST(Explain, RejectedDecisionCarriesTheError) {
  World w;
  w.policy.tiers = {{"only", {"reason"}}};
  Body b(kImage);
  Decision d = decide(w.policy, *w.table, input_for(b));
  rapidjson::Document doc;
  doc.Parse(explain_json(w.policy, d, nullptr, "").c_str());
  EXPECT_STREQ(doc["status"].GetString(), "rejected");
  EXPECT_TRUE(doc["model"].IsNull());
  EXPECT_STREQ(doc["error"]["code"].GetString(), "no_capable_model");
}

}  // namespace
}  // namespace sy::policy
