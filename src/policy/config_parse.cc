#include "policy/config_parse.h"

#include <fmt/format.h>

#include <charconv>
#include <set>

#include "config/yaml_reader.h"

namespace sy::policy {

using config::YamlReader;

namespace {

YAML::Node child(const YAML::Node& parent, std::string_view key) {
  if (!parent.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  YAML::Node n = parent[std::string(key)];
  if (!n.IsDefined() || n.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  return n;
}

// A list of configured model group names.
std::vector<std::string> group_list(YamlReader& r, const YAML::Node& n, const std::string& path,
                                    const config::Config& cfg) {
  std::vector<std::string> out;
  if (!n.IsSequence()) {
    r.error(n, path, "expected a list of model group names");
    return out;
  }
  for (std::size_t i = 0; i < n.size(); ++i) {
    const std::string p = fmt::format("{}[{}]", path, i);
    auto name = r.string(n[i], p);
    if (!name) continue;
    if (cfg.find_model(*name) == nullptr) {
      r.error(n[i], p, fmt::format("unknown model group '{}' (define it under models:)", *name));
      continue;
    }
    out.push_back(*name);
  }
  return out;
}

std::shared_ptr<const classifier::Model> builtin_model() {
  // The builtin model lives for the whole process: a non-owning pointer.
  return std::shared_ptr<const classifier::Model>(&classifier::Model::builtin(),
                                                  [](const classifier::Model*) {});
}

void parse_policy(YamlReader& r, const YAML::Node& n, const std::string& path,
                  const config::Config& cfg, Policy& p) {
  if (!r.expect_map(n, path, {"tiers", "local", "prefer", "classifier", "threshold"})) return;
  const YAML::Node tiers = child(n, "tiers");
  const std::string tiers_path = path + ".tiers";
  std::set<std::string> seen;
  if (!tiers.IsDefined()) {
    r.error(n, tiers_path, "required: at least one tier (name: [model groups])");
  } else if (!tiers.IsMap() || tiers.size() == 0) {
    r.error(tiers, tiers_path, "expected a mapping of tier name to a list of model groups");
  } else {
    for (auto it = tiers.begin(); it != tiers.end(); ++it) {
      Tier t;
      t.name = it->first.as<std::string>();
      const std::string tpath = fmt::format("{}.{}", tiers_path, t.name);
      if (t.name.empty() || t.name == "local") {
        r.error(it->first, tpath, "tier names must be non-empty and not 'local'");
        continue;
      }
      if (!it->second.IsDefined() || it->second.IsNull() ||
          (it->second.IsSequence() && it->second.size() == 0)) {
        r.error(it->second, tpath, "a tier needs at least one model group");
        continue;
      }
      t.groups = group_list(r, it->second, tpath, cfg);
      for (std::size_t i = 0; i < t.groups.size(); ++i) {
        if (!seen.insert(t.groups[i]).second) {
          r.error(it->second, tpath,
                  fmt::format("model group '{}' is listed in more than one tier", t.groups[i]));
        }
      }
      p.tiers.push_back(std::move(t));
    }
  }
  if (YAML::Node l = child(n, "local"); l.IsDefined()) {
    p.local = group_list(r, l, path + ".local", cfg);
  }
  if (YAML::Node v = child(n, "prefer"); v.IsDefined()) {
    if (auto s = r.string(v, path + ".prefer")) {
      if (auto pr = parse_prefer(*s)) {
        p.prefer = *pr;
      } else {
        r.error(v, path + ".prefer",
                fmt::format("expected cost, latency or quality, got '{}'", *s));
      }
    }
  }
  p.classifier = builtin_model();
  if (YAML::Node v = child(n, "classifier"); v.IsDefined()) {
    if (auto s = r.string(v, path + ".classifier")) {
      p.classifier_source = *s;
      if (*s != "builtin") {
        auto loaded = classifier::Model::load(*s);
        if (!loaded) {
          r.error(v, path + ".classifier",
                  fmt::format("cannot load router model: {}", loaded.error()));
        } else {
          p.classifier = std::make_shared<const classifier::Model>(std::move(*loaded));
        }
      }
    }
  }
  p.threshold = p.classifier->default_threshold();
  if (YAML::Node v = child(n, "threshold"); v.IsDefined()) {
    if (auto s = r.string(v, path + ".threshold")) {
      double x = 0;
      auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), x);
      if (ec != std::errc() || end != s->data() + s->size() || x < 0 || x > 1) {
        r.error(v, path + ".threshold", fmt::format("expected a number in [0, 1], got '{}'", *s));
      } else {
        p.threshold = x;
      }
    }
  }
}

}  // namespace

Expected<PolicySet, std::string> parse_policies(const YAML::Node& root, std::string_view source,
                                                const config::Config& cfg) {
  PolicySet set;
  YamlReader r{std::string(source)};
  const YAML::Node node = child(root, kRootPoliciesKey);
  if (node.IsDefined()) {
    if (!node.IsMap()) {
      r.error(node, kRootPoliciesKey, "expected a mapping of policy name to policy");
    } else {
      for (auto it = node.begin(); it != node.end(); ++it) {
        Policy p;
        p.name = it->first.as<std::string>();
        const std::string path = fmt::format("policies.{}", p.name);
        if (p.name.empty() || p.name.find_first_of(": /") != std::string::npos) {
          r.error(it->first, path, "policy names must be non-empty, without ':', '/' or spaces");
          continue;
        }
        parse_policy(r, it->second, path, cfg, p);
        set.policies.emplace(p.name, std::move(p));
      }
    }
  }
  if (!r.errors().empty()) return unexpected(r.joined_errors());
  return set;
}

}  // namespace sy::policy
