// Cost of one model "auto" decision (src/policy/decide.h): classifier
// features + score, requirement and constraint checks over 7 groups in three
// tiers, prefer ordering. Prompt token counts are given (tokenize has its own
// benchmark). Run: ninja -C build bench_policy && build/bench/bench_policy
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "classifier/model.h"
#include "config/config.h"
#include "policy/decide.h"
#include "routing/table.h"

namespace {

using namespace sy;

struct World {
  config::Config cfg;
  std::shared_ptr<const routing::RoutingTable> table;
  policy::Policy policy;
  World() {
    const char* groups[][2] = {{"mini-a", "gpt-4o-mini"},  {"mini-b", "deepseek-chat"},
                               {"mini-c", "gemini-2.0-flash"}, {"std-a", "gpt-4o"},
                               {"std-b", "claude-3-5-sonnet-latest"}, {"reason-a", "o3-mini"},
                               {"reason-b", "o1"}};
    for (auto& g : groups) cfg.models.push_back({g[0], {{"p", g[1]}}});
    table = *routing::RoutingTable::build(cfg, {}, catalog::Catalog::builtin());
    policy.name = "auto";
    policy.tiers = {{"mini", {"mini-a", "mini-b", "mini-c"}},
                    {"standard", {"std-a", "std-b"}},
                    {"reasoning", {"reason-a", "reason-b"}}};
    policy.classifier = std::shared_ptr<const classifier::Model>(&classifier::Model::builtin(),
                                                                 [](const classifier::Model*) {});
    policy.threshold = policy.classifier->default_threshold();
  }
};

void BM_Decide(benchmark::State& state) {
  World w;
  const std::string body =
      R"({"model":"auto","max_tokens":500,"messages":[{"role":"system","content":"You are a )"
      R"(helpful assistant."},{"role":"user","content":"Summarise the following paragraph in )"
      R"(two sentences: The quarterly report shows revenue growth of 12% driven by new )"
      R"(subscriptions, while churn fell to 3%. Operating costs rose because of hiring in )"
      R"(support and infrastructure spending ahead of the product launch next spring."}]})";
  simdjson::dom::parser parser;
  simdjson::dom::object root = parser.parse(body).get_object().value();
  policy::DecisionInput in;
  in.request = root;
  in.requirements = policy::requirements_of(root, 500);
  in.prompt_tokens = [](std::string_view) { return int64_t{90}; };
  for (auto _ : state) {
    policy::Decision d = policy::decide(w.policy, *w.table, in);
    benchmark::DoNotOptimize(d.groups.data());
  }
}
BENCHMARK(BM_Decide);

}  // namespace

BENCHMARK_MAIN();
