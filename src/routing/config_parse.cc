#include "routing/config_parse.h"

#include <fmt/format.h>

#include <charconv>
#include <set>

namespace sy::routing {

using config::YamlReader;

namespace {

std::string join(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

// A child node that tests false when the key is absent or null (a
// default-constructed YAML::Node is a defined null and would test true).
struct Child {
  YAML::Node node;
  bool present = false;
  explicit operator bool() const { return present; }
  operator const YAML::Node&() const { return node; }
};

Child child(const YAML::Node& parent, std::string_view key) {
  if (!parent.IsMap()) return {};
  YAML::Node n = parent[std::string(key)];
  if (!n.IsDefined() || n.IsNull()) return {};
  return {n, true};
}

std::optional<double> real(YamlReader& r, const YAML::Node& n, const std::string& path, double min,
                           double max, bool min_exclusive = false, bool max_exclusive = false) {
  auto s = r.string(n, path);
  if (!s) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size()) {
    r.error(n, path, fmt::format("expected a number, got '{}'", *s));
    return std::nullopt;
  }
  if (v < min || v > max || (min_exclusive && v == min) || (max_exclusive && v == max)) {
    r.error(n, path,
            fmt::format("expected a number {} {} and {} {}, got {}",
                        min_exclusive ? ">" : ">=", min, max_exclusive ? "<" : "<=", max, *s));
    return std::nullopt;
  }
  return v;
}

void names(YamlReader& r, const YAML::Node& n, const std::string& path,
           std::vector<std::string>& out) {
  if (!n.IsSequence()) {
    r.error(n, path, "expected a list of model names");
    return;
  }
  out.clear();
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (auto v = r.string(n[i], fmt::format("{}[{}]", path, i))) out.push_back(*v);
  }
}

void read_retries(YamlReader& r, const YAML::Node& n, const std::string& path, RetryOptions& out) {
  if (!r.expect_map(n, path, {"max_attempts", "base_delay", "max_delay", "budget"})) return;
  if (auto v = child(n, "max_attempts")) {
    if (auto x = r.integer(v, join(path, "max_attempts"), 1, 20))
      out.max_attempts = static_cast<int>(*x);
  }
  if (auto v = child(n, "base_delay")) {
    if (auto x = r.duration(v, join(path, "base_delay"))) out.base_delay = *x;
  }
  if (auto v = child(n, "max_delay")) {
    if (auto x = r.duration(v, join(path, "max_delay"))) out.max_delay = *x;
  }
  if (auto v = child(n, "budget")) {
    if (auto x = r.duration(v, join(path, "budget"))) out.budget = *x;
  }
  if (out.max_delay < out.base_delay) {
    r.error(n, path,
            fmt::format("max_delay ({} ms) is shorter than base_delay ({} ms)",
                        out.max_delay.count(), out.base_delay.count()));
  }
}

void read_breaker(YamlReader& r, const YAML::Node& n, const std::string& path,
                  BreakerOptions& out) {
  if (!r.expect_map(
          n, path,
          {"failures", "error_rate", "window", "min_requests", "cooldown", "max_cooldown"})) {
    return;
  }
  if (auto v = child(n, "failures")) {
    if (auto x = r.integer(v, join(path, "failures"), 0, 1000)) out.failures = static_cast<int>(*x);
  }
  if (auto v = child(n, "error_rate")) {
    if (auto x = real(r, v, join(path, "error_rate"), 0, 1)) out.error_rate = *x;
  }
  if (auto v = child(n, "window")) {
    if (auto x = r.duration(v, join(path, "window"))) {
      if (x->count() < 100) {
        r.error(v, join(path, "window"), "expected at least 100ms");
      } else {
        out.window = *x;
      }
    }
  }
  if (auto v = child(n, "min_requests")) {
    if (auto x = r.integer(v, join(path, "min_requests"), 1, 1'000'000)) {
      out.min_requests = static_cast<int>(*x);
    }
  }
  if (auto v = child(n, "cooldown")) {
    if (auto x = r.duration(v, join(path, "cooldown"))) out.cooldown = *x;
  }
  if (auto v = child(n, "max_cooldown")) {
    if (auto x = r.duration(v, join(path, "max_cooldown"))) out.max_cooldown = *x;
  }
  if (out.max_cooldown < out.cooldown) {
    r.error(n, path,
            fmt::format("max_cooldown ({} ms) is shorter than cooldown ({} ms)",
                        out.max_cooldown.count(), out.cooldown.count()));
  }
}

void read_queue(YamlReader& r, const YAML::Node& n, const std::string& path, QueueOptions& out) {
  if (!r.expect_map(n, path, {"max_waiting", "timeout"})) return;
  if (auto v = child(n, "max_waiting")) {
    if (auto x = r.integer(v, join(path, "max_waiting"), 0, 1'000'000)) {
      out.max_waiting = static_cast<int>(*x);
    }
  }
  if (auto v = child(n, "timeout")) {
    if (auto x = r.duration(v, join(path, "timeout"))) out.timeout = *x;
  }
}

void read_hedge(YamlReader& r, const YAML::Node& n, std::string_view path, HedgeOptions& out) {
  if (auto v = child(n, "hedge_after_ms")) {
    if (auto x = r.integer(v, join(path, "hedge_after_ms"), 1, 600'000)) out.after = Millis(*x);
  }
  if (auto v = child(n, "hedge_at_percentile")) {
    if (auto x = real(r, v, join(path, "hedge_at_percentile"), 0, 100, true, true)) {
      out.percentile = *x;
    }
  }
}

void read_strategy(YamlReader& r, const YAML::Node& n, const std::string& path, Strategy& out) {
  auto s = r.string(n, path);
  if (!s) return;
  if (auto st = parse_strategy(*s)) {
    out = *st;
  } else {
    r.error(n, path,
            fmt::format("unknown strategy '{}' (expected priority, weighted, round-robin, "
                        "least-busy, least-latency, least-cost or usage-based)",
                        *s));
  }
}

}  // namespace

GroupRouting group_defaults(const RoutingDefaults& d) {
  GroupRouting g;
  g.strategy = d.strategy;
  g.retries = d.retries;
  g.breaker = d.breaker;
  g.queue = d.queue;
  g.hedge = d.hedge;
  return g;
}

void parse_routing_defaults(YamlReader& r, const YAML::Node& node, RoutingDefaults& out) {
  const std::string path(kRootRoutingKey);
  if (!r.expect_map(
          node, path,
          {"strategy", "retries", "breaker", "queue", "hedge_after_ms", "hedge_at_percentile"})) {
    return;
  }
  if (auto v = child(node, "strategy")) read_strategy(r, v, join(path, "strategy"), out.strategy);
  if (auto v = child(node, "retries")) read_retries(r, v, join(path, "retries"), out.retries);
  if (auto v = child(node, "breaker")) read_breaker(r, v, join(path, "breaker"), out.breaker);
  if (auto v = child(node, "queue")) read_queue(r, v, join(path, "queue"), out.queue);
  read_hedge(r, node, path, out.hedge);
}

void parse_group_routing(YamlReader& r, const YAML::Node& node, std::string_view path,
                         GroupRouting& out) {
  if (!node.IsMap()) return;  // the loader reports the shape
  if (auto v = child(node, "strategy")) read_strategy(r, v, join(path, "strategy"), out.strategy);
  if (auto v = child(node, "fallbacks")) names(r, v, join(path, "fallbacks"), out.fallbacks);
  if (auto v = child(node, "context_window_fallbacks")) {
    names(r, v, join(path, "context_window_fallbacks"), out.context_window_fallbacks);
  }
  if (auto v = child(node, "content_policy_fallbacks")) {
    names(r, v, join(path, "content_policy_fallbacks"), out.content_policy_fallbacks);
  }
  if (auto v = child(node, "retries")) read_retries(r, v, join(path, "retries"), out.retries);
  if (auto v = child(node, "breaker")) read_breaker(r, v, join(path, "breaker"), out.breaker);
  if (auto v = child(node, "queue")) read_queue(r, v, join(path, "queue"), out.queue);
  // A group's hedge keys replace the default hedge settings as a whole.
  if (child(node, "hedge_after_ms") || child(node, "hedge_at_percentile")) {
    out.hedge = HedgeOptions{};
    read_hedge(r, node, path, out.hedge);
  }
}

void parse_deployment_routing(YamlReader& r, const YAML::Node& node, std::string_view path,
                              DeploymentRouting& out) {
  if (!node.IsMap()) return;
  if (auto v = child(node, "weight")) {
    if (auto x = r.integer(v, join(path, "weight"), 0, 1'000'000))
      out.weight = static_cast<int>(*x);
  }
  if (auto v = child(node, "rpm")) {
    if (auto x = r.integer(v, join(path, "rpm"), 0, INT64_MAX / 2)) out.caps.rpm = *x;
  }
  if (auto v = child(node, "tpm")) {
    if (auto x = r.integer(v, join(path, "tpm"), 0, INT64_MAX / 2)) out.caps.tpm = *x;
  }
  if (auto v = child(node, "max_parallel")) {
    if (auto x = r.integer(v, join(path, "max_parallel"), 0, 1'000'000)) out.caps.max_parallel = *x;
  }
  if (auto v = child(node, "price")) {
    const std::string p = join(path, "price");
    if (!r.expect_map(v, p, {"input", "output", "cached_input"})) return;
    catalog::Price price;
    bool ok = true;
    auto read = [&](std::string_view k, double& target) {
      if (auto n = child(v, k)) {
        if (auto x = real(r, n, join(p, k), 0, 1e6)) {
          target = *x;
        } else {
          ok = false;
        }
        return true;
      }
      return false;
    };
    if (!read("input", price.input)) {
      r.error(v, p, "missing required key 'input' (USD per million input tokens)");
      ok = false;
    }
    if (!read("output", price.output)) {
      r.error(v, p, "missing required key 'output' (USD per million output tokens)");
      ok = false;
    }
    if (!read("cached_input", price.cached_input)) price.cached_input = price.input;
    if (ok) out.price = price;
  }
}

Expected<RoutingConfig, std::string> parse_routing(const YAML::Node& root,
                                                   std::string_view source) {
  RoutingConfig cfg;
  YamlReader r{std::string(source)};
  if (auto n = child(root, kRootRoutingKey)) parse_routing_defaults(r, n, cfg.defaults);
  YAML::Node models = child(root, "models").node;
  std::set<std::string> group_names;
  if (models.IsSequence()) {
    for (const auto& m : models) {
      if (auto name = child(m, "name"); name && name.node.IsScalar()) {
        group_names.insert(name.node.Scalar());
      }
    }
    for (std::size_t i = 0; i < models.size(); ++i) {
      const YAML::Node& m = models[i];
      const std::string path = fmt::format("models[{}]", i);
      const YAML::Node name = child(m, "name").node;
      if (!name.IsDefined() || !name.IsScalar()) continue;  // the loader reports it
      GroupRouting g = group_defaults(cfg.defaults);
      parse_group_routing(r, m, path, g);
      auto check = [&](std::string_view key, const std::vector<std::string>& list) {
        const YAML::Node n = child(m, key).node;
        for (std::size_t k = 0; k < list.size(); ++k) {
          const std::string p = fmt::format("{}.{}[{}]", path, key, k);
          if (list[k] == name.Scalar()) {
            r.error(n[k], p, fmt::format("model group '{}' cannot fall back to itself", list[k]));
          } else if (!group_names.contains(list[k])) {
            r.error(n[k], p,
                    fmt::format("unknown model group '{}' (define it under models:)", list[k]));
          }
        }
      };
      check("fallbacks", g.fallbacks);
      check("context_window_fallbacks", g.context_window_fallbacks);
      check("content_policy_fallbacks", g.content_policy_fallbacks);
      if (const YAML::Node deps = child(m, "deployments").node; deps.IsSequence()) {
        for (std::size_t j = 0; j < deps.size(); ++j) {
          DeploymentRouting d;
          parse_deployment_routing(r, deps[j], fmt::format("{}.deployments[{}]", path, j), d);
          g.deployments.push_back(d);
        }
      }
      cfg.groups[name.Scalar()] = std::move(g);
    }
  }
  if (!r.errors().empty()) return unexpected(r.joined_errors());
  return cfg;
}

}  // namespace sy::routing
