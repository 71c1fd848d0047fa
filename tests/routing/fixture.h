// Test helpers: a RoutingTable built from hand-written groups on a manual clock.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "config/config.h"
#include "routing/clock.h"
#include "routing/table.h"

namespace sy::routing::testing {

struct Dep {
  std::string provider;
  std::string model;
  DeploymentRouting routing{};
};

class Tables {
 public:
  GroupRouting& add(const std::string& name, std::vector<Dep> deps,
                    Strategy s = Strategy::kPriority) {
    config::ModelGroup g;
    g.name = name;
    GroupRouting r;
    r.strategy = s;
    for (auto& d : deps) {
      g.deployments.push_back({d.provider, d.model});
      r.deployments.push_back(d.routing);
    }
    cfg.models.push_back(std::move(g));
    return rc.groups[name] = std::move(r);
  }
  const RoutingTable& build() {
    auto t = RoutingTable::build(cfg, rc, catalog::Catalog::builtin(), table.get());
    EXPECT_TRUE(t.has_value()) << (t.has_value() ? "" : t.error());
    table = std::move(t.value());
    return *table;
  }
  const GroupRuntime& group(const std::string& name) { return *table->group(name); }
  DeploymentHealth& health(const std::string& name, size_t i) {
    return *table->group(name)->deployments[i].health;
  }

  config::Config cfg;
  RoutingConfig rc;
  std::shared_ptr<const RoutingTable> table;
  ManualClock clock;
};

inline DeploymentRouting weight(int w) {
  DeploymentRouting d;
  d.weight = w;
  return d;
}

inline DeploymentRouting caps(int64_t rpm, int64_t tpm, int64_t parallel) {
  DeploymentRouting d;
  d.caps = {rpm, tpm, parallel};
  return d;
}

inline DeploymentRouting price(double in, double out) {
  DeploymentRouting d;
  d.price = catalog::Price{in, out, in};
  return d;
}

}  // namespace sy::routing::testing
