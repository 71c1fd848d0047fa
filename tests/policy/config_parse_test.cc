#include "policy/config_parse.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "classifier/model.h"

namespace sy::policy {
namespace {

config::Config groups(std::initializer_list<const char*> names) {
  config::Config cfg;
  for (const char* n : names) cfg.models.push_back({n, {{"openai", n}}});
  return cfg;
}

Expected<PolicySet, std::string> parse(const std::string& yaml) {
  static const config::Config cfg = groups({"gpt-4o-mini", "gpt-4o", "o3-mini", "llama-local"});
  return parse_policies(YAML::Load(yaml), "test.yaml", cfg);
}

TEST(PolicyConfig, FullPolicy) {
  auto set = parse(R"(
policies:
  auto:
    tiers:
      mini: [gpt-4o-mini]
      standard: [gpt-4o]
      reasoning: [o3-mini]
    local: [llama-local]
    prefer: latency
    classifier: builtin
    threshold: 0.7
  fast:
    tiers:
      mini: [gpt-4o-mini]
)");
  ASSERT_TRUE(set.has_value()) << set.error();
  const Policy* p = set->resolve("auto");
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->tiers.size(), 3u);
  EXPECT_EQ(p->tiers[0].name, "mini");  // document order
  EXPECT_EQ(p->tiers[2].groups, std::vector<std::string>{"o3-mini"});
  EXPECT_EQ(p->local, std::vector<std::string>{"llama-local"});
  EXPECT_EQ(p->prefer, Prefer::kLatency);
  EXPECT_DOUBLE_EQ(p->threshold, 0.7);
  const Policy* fast = set->resolve("auto:fast");
  ASSERT_NE(fast, nullptr);
  EXPECT_EQ(fast->prefer, Prefer::kCost);
  EXPECT_EQ(fast->classifier_source, "builtin");
  EXPECT_DOUBLE_EQ(fast->threshold, classifier::Model::builtin().default_threshold());
  EXPECT_EQ(set->resolve("auto:nope"), nullptr);
  EXPECT_EQ(set->resolve("gpt-4o"), nullptr);
}

TEST(PolicyConfig, NoPoliciesIsEmpty) {
  auto set = parse("models: []\n");
  ASSERT_TRUE(set.has_value());
  EXPECT_TRUE(set->empty());
}

void expect_error(const std::string& yaml, const std::string& fragment) {
  auto set = parse(yaml);
  ASSERT_FALSE(set.has_value()) << "accepted: " << yaml;
  EXPECT_NE(set.error().find(fragment), std::string::npos) << set.error();
}

TEST(PolicyConfig, ErrorsNameTheKeyPath) {
  expect_error("policies:\n  auto:\n    tiers:\n      mini: [gpt-5-nano]\n",
               "test.yaml:4:14: policies.auto.tiers.mini[0]: unknown model group 'gpt-5-nano'");
  expect_error("policies:\n  auto:\n    tiers: {}\n", "policies.auto.tiers: expected a mapping");
  expect_error("policies:\n  auto:\n    prefer: cost\n", "policies.auto.tiers: required");
  expect_error("policies:\n  auto:\n    tiers:\n      mini: []\n",
               "policies.auto.tiers.mini: a tier needs at least one model group");
  expect_error("policies:\n  auto:\n    tiers: {mini: [gpt-4o]}\n    prefer: cheap\n",
               "policies.auto.prefer: expected cost, latency or quality, got 'cheap'");
  expect_error("policies:\n  auto:\n    tiers: {mini: [gpt-4o]}\n    threshold: 1.5\n",
               "policies.auto.threshold: expected a number in [0, 1]");
  expect_error("policies:\n  auto:\n    tiers: {mini: [gpt-4o]}\n    local: [nope]\n",
               "policies.auto.local[0]: unknown model group 'nope'");
  expect_error("policies:\n  auto:\n    tiers: {mini: [gpt-4o], standard: [gpt-4o]}\n",
               "listed in more than one tier");
  expect_error("policies:\n  auto:\n    tiers: {mini: [gpt-4o]}\n    bogus: 1\n", "bogus");
  expect_error(
      "policies:\n  auto:\n    tiers: {mini: [gpt-4o]}\n    classifier: /nonexistent.bin\n",
      "policies.auto.classifier: cannot load router model");
  expect_error("policies: [auto]\n", "policies: expected a mapping");
}

TEST(PolicyConfig, LoadsAClassifierFile) {
  const std::string path = ::testing::TempDir() + "/policy-model.bin";
  classifier::Model copy = classifier::Model::builtin();
  copy.set_default_threshold(0.25f);
  ASSERT_TRUE(copy.save(path).has_value());
  auto set =
      parse("policies:\n  auto:\n    tiers: {mini: [gpt-4o]}\n    classifier: " + path + "\n");
  ASSERT_TRUE(set.has_value()) << set.error();
  const Policy* p = set->resolve("auto");
  EXPECT_EQ(p->classifier_source, path);
  EXPECT_NEAR(p->threshold, 0.25, 1e-6);  // the file's default threshold
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sy::policy
