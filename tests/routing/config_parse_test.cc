#include "routing/config_parse.h"

#include <gtest/gtest.h>

namespace sy::routing {
namespace {

using namespace std::chrono_literals;

Expected<RoutingConfig, std::string> parse(const std::string& yaml) {
  return parse_routing(YAML::Load(yaml), "test.yaml");
}

TEST(ConfigParse, FullExample) {
  auto cfg = parse(R"(
routing:
  strategy: least-latency
  retries: {max_attempts: 4, base_delay: 100ms, max_delay: 2s, budget: 30s}
  breaker: {failures: 3, error_rate: 0.25, window: 30s, min_requests: 10, cooldown: 2s, max_cooldown: 1m}
  queue: {max_waiting: 10, timeout: 3s}
  hedge_after_ms: 1500
models:
  - name: gpt-4o
    strategy: weighted
    fallbacks: [claude]
    context_window_fallbacks: [claude]
    content_policy_fallbacks: [local]
    retries: {max_attempts: 2}
    hedge_at_percentile: 95
    deployments:
      - provider: openai
        weight: 3
        rpm: 500
        tpm: 200000
        max_parallel: 32
        price: {input: 2.5, output: 10}
      - provider: azure
  - name: claude
    deployments: [{provider: anthropic}]
  - name: local
    deployments: [{provider: ollama}]
)");
  ASSERT_TRUE(cfg.has_value()) << cfg.error();
  const RoutingDefaults& d = cfg->defaults;
  EXPECT_EQ(d.strategy, Strategy::kLeastLatency);
  EXPECT_EQ(d.retries.max_attempts, 4);
  EXPECT_EQ(d.retries.budget, 30s);
  EXPECT_EQ(d.breaker.error_rate, 0.25);
  EXPECT_EQ(d.breaker.max_cooldown, 1min);
  EXPECT_EQ(d.queue.max_waiting, 10);
  EXPECT_EQ(d.hedge.after, 1500ms);
  const GroupRouting& g = cfg->groups.at("gpt-4o");
  EXPECT_EQ(g.strategy, Strategy::kWeighted);
  EXPECT_EQ(g.fallbacks, std::vector<std::string>{"claude"});
  EXPECT_EQ(g.content_policy_fallbacks, std::vector<std::string>{"local"});
  EXPECT_EQ(g.retries.max_attempts, 2);
  EXPECT_EQ(g.retries.base_delay, 100ms);  // the rest from the defaults
  EXPECT_EQ(g.breaker.failures, 3);
  EXPECT_EQ(g.hedge.percentile, 95.0);
  EXPECT_FALSE(g.hedge.after);  // group hedge keys replace the default hedge
  ASSERT_EQ(g.deployments.size(), 2u);
  EXPECT_EQ(g.deployments[0].weight, 3);
  EXPECT_EQ(g.deployments[0].caps, (DeploymentCaps{500, 200000, 32}));
  ASSERT_TRUE(g.deployments[0].price);
  EXPECT_EQ(g.deployments[0].price->cached_input, 2.5);
  EXPECT_EQ(g.deployments[1].weight, 1);
  EXPECT_EQ(cfg->groups.at("claude").strategy, Strategy::kLeastLatency);
  EXPECT_EQ(cfg->groups.at("claude").hedge.after, 1500ms);
}

TEST(ConfigParse, ErrorsArePreciseAndAllReported) {
  auto cfg = parse(R"(routing:
  strategy: fastest
  breaker: {error_rate: 1.5, cooldown: 10s, max_cooldown: 1s, colour: red}
models:
  - name: a
    fallbacks: [nope, a]
    hedge_at_percentile: 100
    retries: {max_attempts: 0}
    deployments:
      - provider: x
        weight: -1
        price: {input: cheap}
)");
  ASSERT_FALSE(cfg.has_value());
  const std::string& e = cfg.error();
  EXPECT_NE(e.find("test.yaml:2:13: routing.strategy: unknown strategy 'fastest'"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("routing.breaker.error_rate: expected a number >= 0 and <= 1, got 1.5"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("max_cooldown (1000 ms) is shorter than cooldown (10000 ms)"), std::string::npos)
      << e;
  EXPECT_NE(e.find("routing.breaker.colour: unknown key 'colour'"), std::string::npos) << e;
  EXPECT_NE(e.find("models[0].fallbacks[0]: unknown model group 'nope'"), std::string::npos) << e;
  EXPECT_NE(e.find("models[0].fallbacks[1]: model group 'a' cannot fall back to itself"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("models[0].hedge_at_percentile: expected a number > 0 and < 100"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("models[0].retries.max_attempts: expected an integer from 1 to 20, got 0"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("models[0].deployments[0].weight"), std::string::npos) << e;
  EXPECT_NE(e.find("models[0].deployments[0].price.input: expected a number, got 'cheap'"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("models[0].deployments[0].price: missing required key 'output'"),
            std::string::npos)
      << e;
}

TEST(ConfigParse, NothingConfiguredGivesDefaults) {
  auto cfg = parse("models:\n  - name: a\n    deployments: [{provider: x}]\n");
  ASSERT_TRUE(cfg.has_value()) << cfg.error();
  EXPECT_EQ(cfg->groups.at("a").strategy, Strategy::kPriority);
  EXPECT_EQ(cfg->groups.at("a").retries.max_attempts, 0);  // one attempt per deployment
  EXPECT_EQ(cfg->groups.at("a").retries.attempts_for(2), 2);
  EXPECT_EQ(cfg->groups.at("a").deployments.size(), 1u);
}

}  // namespace
}  // namespace sy::routing
