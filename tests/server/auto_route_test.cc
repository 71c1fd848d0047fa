// Server glue for model "auto": which requests it claims, errors in OpenAI
// format, routing input, response headers and the reservation span.
#include "server/auto_route.h"

#include <gtest/gtest.h>

#include "catalog/catalog.h"

namespace sy::server {
namespace {

struct Fixture {
  config::Config cfg;
  std::shared_ptr<const routing::RoutingTable> table;
  policy::PolicySet policies;

  Fixture() {
    cfg.models.push_back({"small", {{"openai", "gpt-4o-mini"}}});
    cfg.models.push_back({"big", {{"openai", "gpt-4o"}, {"azure", "gpt-4o"}}});
    cfg.models.push_back({"auto:shadowed", {{"openai", "gpt-4o-mini"}}});
    table = *routing::RoutingTable::build(cfg, {}, catalog::Catalog::builtin());
    policy::Policy p;
    p.name = "auto";
    p.tiers = {{"mini", {"small"}}, {"standard", {"big"}}};
    p.classifier = std::shared_ptr<const classifier::Model>(&classifier::Model::builtin(),
                                                            [](const classifier::Model*) {});
    p.threshold = 1.0;  // everything to the mini tier unless forced
    policies.policies.emplace("auto", std::move(p));
  }

  Expected<std::optional<AutoRoute>, api::ApiError> route(const std::string& body,
                                                          policy::ConstraintHeaders h = {}) {
    auto req = api::parse_request(api::Endpoint::kChatCompletions, body);
    EXPECT_TRUE(req.has_value());
    return auto_route(*req, h, cfg, &policies, table.get());
  }
};

const std::string kBody = R"({"model":"auto","messages":[{"role":"user","content":"hi"}]})";

TEST(AutoRoute, ClaimsOnlyAutoModels) {
  Fixture f;
  auto plain = f.route(R"({"model":"small","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(plain.has_value());
  EXPECT_FALSE(plain->has_value());
  // A configured group named like a policy is served as that group.
  auto shadowed =
      f.route(R"({"model":"auto:shadowed","messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(shadowed.has_value());
  EXPECT_FALSE(shadowed->has_value());
  auto missing = f.route(R"({"model":"auto:fast","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().status, 404);
  EXPECT_EQ(missing.error().code, "model_not_found");
}

TEST(AutoRoute, DecisionBecomesRoutingInputAndHeaders) {
  Fixture f;
  auto r = f.route(kBody);
  ASSERT_TRUE(r.has_value() && r->has_value());
  const AutoRoute& a = **r;
  EXPECT_EQ(a.decision.model, "small");
  routing::RequestFacts facts;
  facts.model = "auto";
  apply_auto_route(a, facts);
  EXPECT_EQ(facts.model, "small");
  EXPECT_EQ(facts.models, (std::vector<std::string>{"small", "big"}));
  EXPECT_EQ(facts.allowed_groups, facts.models);
  auto headers = auto_route_headers(a);
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0], (std::pair<std::string, std::string>{"x-switchyard-tier", "mini"}));
  EXPECT_EQ(headers[1].first, "x-switchyard-route-reason");
  EXPECT_NE(headers[1].second.find("-> small"), std::string::npos) << headers[1].second;
  // The reservation spans every allowed deployment (the dearest failover).
  config::ModelGroup span = reservation_group(a, f.cfg);
  EXPECT_EQ(span.deployments.size(), 3u);
}

TEST(AutoRoute, ConstraintErrorsAndRejectedDecisionsAreApiErrors) {
  Fixture f;
  auto bad = f.route(kBody, {"", "", "", "platinum"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().status, 400);
  EXPECT_EQ(bad.error().param, "x-switchyard-tier");
  auto privacy = f.route(kBody, {"", "", "local", ""});  // the policy has no local groups
  ASSERT_FALSE(privacy.has_value());
  EXPECT_EQ(privacy.error().code, "privacy_unsatisfiable");
  auto forced = f.route(kBody, {"", "", "", "standard"});
  ASSERT_TRUE(forced.has_value() && forced->has_value());
  EXPECT_EQ((*forced)->decision.groups, (std::vector<std::string>{"big"}));
}

}  // namespace
}  // namespace sy::server
