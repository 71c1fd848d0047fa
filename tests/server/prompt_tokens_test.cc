#include "server/prompt_tokens.h"

#include <gtest/gtest.h>

#include "catalog/catalog.h"

namespace sy::server {
namespace {

api::Request parse(api::Endpoint e, std::string body) {
  auto r = api::parse_request(e, std::move(body));
  EXPECT_TRUE(r.has_value());
  return std::move(*r);
}

api::Request chat(std::string content, std::string extra = "") {
  return parse(api::Endpoint::kChatCompletions,
               R"({"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},)"
               R"({"role":"user","content":")" +
                   content + "\"}]" + extra + "}");
}

// One group "m" on gpt-4o (128k context window in the builtin catalog).
std::shared_ptr<const routing::RoutingTable> table(routing::Strategy strategy,
                                                   routing::DeploymentCaps caps = {}) {
  config::Config cfg;
  config::ModelGroup g;
  g.name = "m";
  g.deployments.push_back({"openai", "gpt-4o"});
  cfg.models.push_back(g);
  routing::RoutingConfig rc;
  routing::GroupRouting r;
  r.strategy = strategy;
  r.deployments.resize(1);
  r.deployments[0].caps = caps;
  rc.groups["m"] = r;
  auto t = routing::RoutingTable::build(cfg, rc, catalog::Catalog::builtin());
  EXPECT_TRUE(t.has_value());
  return *t;
}

TEST(PromptTokens, UpperBoundIsNeverBelowTheCount) {
  std::vector<api::Request> reqs;
  reqs.push_back(chat("Explain keep-alive in two sentences."));
  reqs.push_back(chat("日本語 🎉 ünïcödé \\n\\t \\\"quoted\\\""));
  reqs.push_back(chat("x", R"(,"tools":[{"type":"function","function":{"name":"f",)"
                           R"("description":"Find.","parameters":{"type":"object",)"
                           R"("properties":{"q":{"type":"string","enum":["a","b"]}}}}}])"));
  reqs.push_back(parse(api::Endpoint::kCompletions,
                       R"({"model":"gpt-3.5-turbo-instruct","prompt":["Say hi",[1,2],"again"]})"));
  reqs.push_back(parse(api::Endpoint::kEmbeddings,
                       R"({"model":"text-embedding-3-small","input":"The food was delicious"})"));
  for (const api::Request& r : reqs) {
    EXPECT_GE(prompt_tokens_upper_bound(r), prompt_tokens(r)) << r.model();
    EXPECT_GT(prompt_tokens(r), 0) << r.model();
  }
}

TEST(PromptTokens, RoutingUsesTheBoundWhenNothingDependsOnExactness) {
  api::Request r = chat("Explain keep-alive in two sentences.", R"(,"max_tokens":256)");
  EXPECT_EQ(routing_prompt_tokens(r, *table(routing::Strategy::kPriority)),
            prompt_tokens_upper_bound(r));
  EXPECT_EQ(routing_prompt_tokens(r, *table(routing::Strategy::kRoundRobin, {0, 0, 8})),
            prompt_tokens_upper_bound(r));
}

TEST(PromptTokens, RoutingCountsExactlyWhenTheCountCanMatter) {
  api::Request r = chat("Explain keep-alive in two sentences.", R"(,"max_tokens":256)");
  EXPECT_EQ(routing_prompt_tokens(r, *table(routing::Strategy::kLeastCost)), prompt_tokens(r));
  EXPECT_EQ(routing_prompt_tokens(r, *table(routing::Strategy::kPriority, {0, 10'000, 0})),
            prompt_tokens(r));
  EXPECT_EQ(routing_prompt_tokens(r, *table(routing::Strategy::kPriority, {60, 0, 0})),
            prompt_tokens(r));
  // The bound plus max_tokens does not clearly fit the 128k window: exact count.
  api::Request near = chat("Explain keep-alive in two sentences.", R"(,"max_tokens":127990)");
  EXPECT_EQ(routing_prompt_tokens(near, *table(routing::Strategy::kPriority)), prompt_tokens(near));
}

}  // namespace
}  // namespace sy::server
