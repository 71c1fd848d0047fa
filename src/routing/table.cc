#include "routing/table.h"

#include <fmt/format.h>

namespace sy::routing {

const catalog::ModelInfo* catalog_model(const catalog::Catalog& catalog,
                                        const config::Deployment& deployment,
                                        std::string_view group_name) {
  if (auto r = catalog.resolve(deployment.provider + "/" + deployment.model); r && r->model) {
    return r->model;
  }
  if (const auto* m = catalog.model(deployment.model)) return m;
  return catalog.model(group_name);
}

Expected<std::shared_ptr<const RoutingTable>, std::string> RoutingTable::build(
    const config::Config& config, const RoutingConfig& routing, const catalog::Catalog& catalog,
    const RoutingTable* previous) {
  auto table = std::make_shared<RoutingTable>();
  table->groups_.reserve(config.models.size());
  for (const config::ModelGroup& group : config.models) {
    GroupRuntime g;
    g.name = group.name;
    if (auto it = routing.groups.find(group.name); it != routing.groups.end()) {
      g.routing = it->second;
    } else {
      g.routing.strategy = routing.defaults.strategy;
      g.routing.retries = routing.defaults.retries;
      g.routing.breaker = routing.defaults.breaker;
      g.routing.queue = routing.defaults.queue;
      g.routing.hedge = routing.defaults.hedge;
    }
    if (g.routing.strategy == Strategy::kLeastCost) table->prompt_count_matters_ = true;
    if (g.routing.deployments.empty()) g.routing.deployments.resize(group.deployments.size());
    if (g.routing.deployments.size() != group.deployments.size()) {
      return unexpected(
          fmt::format("model group '{}': routing describes {} deployments, the "
                      "configuration has {}",
                      group.name, g.routing.deployments.size(), group.deployments.size()));
    }
    const GroupRuntime* old = previous ? previous->group(group.name) : nullptr;
    for (size_t i = 0; i < group.deployments.size(); ++i) {
      const config::Deployment& dep = group.deployments[i];
      const DeploymentRouting& dr = g.routing.deployments[i];
      DeploymentRuntime d;
      d.index = i;
      d.provider = dep.provider;
      d.model = dep.model;
      d.weight = dr.weight;
      if (const catalog::ModelInfo* info = catalog_model(catalog, dep, group.name)) {
        d.price = info->price;
        d.context_window = info->context_window;
        d.max_output_tokens = info->max_output_tokens;
        d.capabilities = info->capabilities;
      }
      if (dr.price) d.price = dr.price;
      if (old != nullptr) {
        for (const DeploymentRuntime& o : old->deployments) {
          if (o.provider == d.provider && o.model == d.model &&
              o.health->caps().caps() == dr.caps &&
              o.health->breaker().options() == g.routing.breaker) {
            d.health = o.health;
            break;
          }
        }
      }
      if (!d.health) d.health = std::make_shared<DeploymentHealth>(g.routing.breaker, dr.caps);
      if (dr.caps.rpm > 0 || dr.caps.tpm > 0) table->prompt_count_matters_ = true;
      if (d.context_window > 0 && (table->smallest_context_window_ == 0 ||
                                   d.context_window < table->smallest_context_window_)) {
        table->smallest_context_window_ = d.context_window;
      }
      g.deployments.push_back(std::move(d));
    }
    table->index_[g.name] = table->groups_.size();
    g.queue = std::make_unique<WaitQueue>(g.routing.queue);
    table->groups_.push_back(std::move(g));
  }
  for (const GroupRuntime& g : table->groups_) {
    auto check = [&](const std::vector<std::string>& names,
                     std::string_view key) -> std::optional<std::string> {
      for (const std::string& n : names) {
        if (!table->index_.contains(n)) {
          return fmt::format("model group '{}': {} names unknown model group '{}'", g.name, key, n);
        }
      }
      return std::nullopt;
    };
    if (auto e = check(g.routing.fallbacks, "fallbacks")) return unexpected(*e);
    if (auto e = check(g.routing.context_window_fallbacks, "context_window_fallbacks")) {
      return unexpected(*e);
    }
    if (auto e = check(g.routing.content_policy_fallbacks, "content_policy_fallbacks")) {
      return unexpected(*e);
    }
  }
  return std::shared_ptr<const RoutingTable>(std::move(table));
}

const GroupRuntime* RoutingTable::group(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &groups_[it->second];
}

}  // namespace sy::routing
