// RoutingTable: the run-time view of every model group — its routing
// options, its deployments with resolved price / context window, and each
// deployment's shared DeploymentHealth.
//
// Built once per configuration snapshot (not on the request path) and then
// immutable except for the atomics inside DeploymentHealth and the
// round-robin counters; share it as std::shared_ptr<const RoutingTable> next
// to the Config. Pass the previous table to build() on reload so deployments
// that still exist (same group, provider, model and caps) keep their health.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "config/config.h"
#include "routing/health.h"
#include "routing/options.h"
#include "routing/wait_queue.h"
#include "util/expected.h"

namespace sy::routing {

struct DeploymentRuntime {
  size_t index = 0;      // position in config::ModelGroup::deployments
  std::string provider;  // config provider key
  std::string model;     // name at the provider
  int weight = 1;
  std::optional<catalog::Price> price;  // override, else catalog; nullopt if unknown
  int64_t context_window = 0;           // tokens; 0 = unknown
  int64_t max_output_tokens = 0;        // tokens; 0 = unknown
  std::optional<catalog::Capabilities> capabilities;  // catalog's; nullopt = not catalogued
  std::shared_ptr<DeploymentHealth> health;
};

struct GroupRuntime {
  std::string name;
  GroupRouting routing;
  std::vector<DeploymentRuntime> deployments;
  std::unique_ptr<std::atomic<uint64_t>> round_robin = std::make_unique<std::atomic<uint64_t>>(0);
  // Requests waiting for one of this group's deployments to get under its
  // caps (key: the group name); an admission on the group that ends wakes
  // the head waiter.
  std::unique_ptr<WaitQueue> queue;
};

// Everything config_parse.h reads: the global defaults and each group's
// routing (groups without routing keys get the defaults).
struct RoutingConfig {
  RoutingDefaults defaults;
  std::map<std::string, GroupRouting, std::less<>> groups;
};

class RoutingTable {
 public:
  // Errors: a group's routing lists a different number of deployments than
  // the config, or a fallback names an unknown group.
  static Expected<std::shared_ptr<const RoutingTable>, std::string> build(
      const config::Config& config, const RoutingConfig& routing, const catalog::Catalog& catalog,
      const RoutingTable* previous = nullptr);

  const GroupRuntime* group(std::string_view name) const;
  const std::vector<GroupRuntime>& groups() const { return groups_; }

  // Whether a plan can depend on the prompt token count beyond the context
  // window check: some group routes least-cost (prices the prompt) or some
  // deployment has an rpm/tpm cap (its window counts reserved tokens). When
  // false, any count that fits smallest_context_window() routes the same.
  bool prompt_count_matters() const { return prompt_count_matters_; }
  // The smallest known context window over every deployment; 0 when none is known.
  int64_t smallest_context_window() const { return smallest_context_window_; }

 private:
  std::vector<GroupRuntime> groups_;
  bool prompt_count_matters_ = false;
  int64_t smallest_context_window_ = 0;
  std::map<std::string, size_t, std::less<>> index_;
};

// The catalog model a deployment serves: "<provider>/<model>" resolved, else
// the model name, else the group name. nullptr when none is catalogued.
const catalog::ModelInfo* catalog_model(const catalog::Catalog& catalog,
                                        const config::Deployment& deployment,
                                        std::string_view group_name);

}  // namespace sy::routing
