// Test helpers: a configuration of catalogued model groups, its routing table
// and a policy over them, plus parsed chat bodies.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "config/config.h"
#include "policy/decide.h"
#include "policy/policy.h"
#include "routing/table.h"

namespace sy::policy::testing {

// Groups (builtin catalog facts):
//   mini-a     gpt-4o-mini      vision tools json_schema   128k   $0.15/$0.60
//   mini-b     deepseek-chat    tools json_schema          128k   $0.28/$0.42
//   small-ctx  qwen-max         tools json_schema          32k    $1.60/$6.40
//   std-a      gpt-4o           vision tools json_schema   128k   $2.50/$10
//   std-b      claude-3-5-haiku vision tools               200k   $0.80/$4
//   reason     o1-mini          (chat only)                128k   $1.10/$4.40
//   llama      uncatalogued, local, price 0 (config override)
struct World {
  config::Config cfg;
  routing::RoutingConfig rc;
  std::shared_ptr<const routing::RoutingTable> table;
  Policy policy;

  World() {
    add("mini-a", "openai", "gpt-4o-mini");
    add("mini-b", "deepseek", "deepseek-chat");
    add("small-ctx", "qwen", "qwen-max");
    add("std-a", "openai", "gpt-4o");
    add("std-b", "anthropic", "claude-3-5-haiku-latest");
    add("reason", "openai", "o1-mini");
    add("llama", "local", "llama-private");
    rc.groups["llama"].deployments[0].price = catalog::Price{0, 0, 0};
    auto t = routing::RoutingTable::build(cfg, rc, catalog::Catalog::builtin());
    EXPECT_TRUE(t.has_value());
    table = std::move(*t);
    policy.name = "auto";
    policy.tiers = {{"mini", {"mini-a", "mini-b", "small-ctx"}},
                    {"standard", {"std-a", "std-b"}},
                    {"reasoning", {"reason"}}};
    policy.local = {"llama"};
    policy.prefer = Prefer::kCost;
    policy.classifier = std::shared_ptr<const classifier::Model>(&classifier::Model::builtin(),
                                                                 [](const classifier::Model*) {});
    policy.threshold = classifier::Model::builtin().default_threshold();
  }

  void add(const std::string& name, const std::string& provider, const std::string& model) {
    config::ModelGroup g;
    g.name = name;
    g.deployments.push_back({provider, model});
    cfg.models.push_back(std::move(g));
    routing::GroupRouting r;
    r.deployments.resize(1);
    rc.groups[name] = std::move(r);
  }

  routing::DeploymentHealth& health(const std::string& group) {
    return *table->group(group)->deployments[0].health;
  }
};

// A parsed body that outlives the DecisionInput pointing into it.
struct Body {
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  explicit Body(const std::string& json) { root = parser.parse(json).get_object().value(); }
};

inline DecisionInput input_for(const Body& body, int64_t prompt_tokens = 50,
                               std::optional<int64_t> max_tokens = 100) {
  DecisionInput in;
  in.request = body.root;
  in.requirements = requirements_of(body.root, max_tokens);
  in.prompt_tokens = [prompt_tokens](std::string_view) { return prompt_tokens; };
  return in;
}

inline const Candidate& candidate(const Decision& d, const std::string& group) {
  for (const Candidate& c : d.candidates) {
    if (c.group == group) return c;
  }
  ADD_FAILURE() << "no candidate " << group;
  static Candidate none;
  return none;
}

}  // namespace sy::policy::testing
