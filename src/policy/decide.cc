#include "policy/decide.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "classifier/model.h"

namespace sy::policy {

namespace {

using catalog::Capability;

std::string deployment_name(const routing::DeploymentRuntime& d) {
  return fmt::format("{}/{}", d.provider, d.model);
}

// Step 1 for one group: empty when it qualifies, else why not. `note`
// receives what was assumed or measured.
std::string check_requirements(const routing::GroupRuntime& g, const DecisionInput& in,
                               Candidate& c, std::string& note) {
  const Requirements& req = in.requirements;
  struct Need {
    bool wanted;
    Capability cap;
    std::string_view name;
  };
  const Need needs[] = {{req.vision, Capability::kVision, "vision"},
                        {req.audio, Capability::kAudio, "audio input"},
                        {req.tools, Capability::kTools, "tools"},
                        {req.json_schema, Capability::kJsonSchema, "JSON schema output"}};
  std::vector<std::string> assumed;
  for (const routing::DeploymentRuntime& d : g.deployments) {
    for (const Need& n : needs) {
      if (!n.wanted) continue;
      if (!d.capabilities) {
        assumed.push_back(deployment_name(d));
        break;
      }
      if (!d.capabilities->has(n.cap)) {
        return fmt::format("{} does not support {}", deployment_name(d), n.name);
      }
    }
  }
  const int64_t output = req.max_tokens.value_or(0);
  bool fits = false;
  int64_t smallest_need = 0, largest_window = 0;
  for (const routing::DeploymentRuntime& d : g.deployments) {
    const int64_t prompt = in.prompt_tokens ? in.prompt_tokens(d.model) : 0;
    if (d.index == 0) c.prompt_tokens = prompt;
    if (d.context_window == 0 || prompt + output <= d.context_window) {
      fits = true;
      break;
    }
    smallest_need = smallest_need == 0 ? prompt + output : std::min(smallest_need, prompt + output);
    largest_window = std::max(largest_window, d.context_window);
  }
  if (!fits) {
    return fmt::format("needs {} tokens (prompt + max_tokens), context window is {}", smallest_need,
                       largest_window);
  }
  note = fmt::format("{} prompt tokens fit", c.prompt_tokens);
  if (!assumed.empty()) {
    note += fmt::format("; {} not catalogued, capabilities assumed", assumed.front());
  }
  return {};
}

void estimate(const routing::GroupRuntime& g, const DecisionInput& in, Candidate& c) {
  std::optional<double> worst;
  bool unknown = false;
  for (const routing::DeploymentRuntime& d : g.deployments) {
    if (!d.price) {
      unknown = true;
      continue;
    }
    const int64_t prompt = in.prompt_tokens ? in.prompt_tokens(d.model) : 0;
    const int64_t output =
        in.requirements.max_tokens
            ? *in.requirements.max_tokens
            : (d.max_output_tokens > 0 ? d.max_output_tokens : kUnknownMaxOutput);
    const double usd = (static_cast<double>(prompt) * d.price->input +
                        static_cast<double>(output) * d.price->output) /
                       1e6;
    worst = worst ? std::max(*worst, usd) : usd;
  }
  c.cost_usd = unknown ? std::nullopt : worst;
  for (const routing::DeploymentRuntime& d : g.deployments) {
    if (auto ms = d.health->ttfb_ewma_ms(in.stream)) {
      c.ttfb_ms = c.ttfb_ms ? std::min(*c.ttfb_ms, *ms) : *ms;
    }
  }
}

// Step 2 for one group: empty when it passes, else why not (and which
// constraint in `source`). `note` receives remarks for kept groups.
std::string check_constraints(const Candidate& c, const Constraints& k, std::string& source,
                              std::string& note) {
  if (k.local_only && !c.local) {
    source = k.privacy_source;
    return "privacy local: not a local group";
  }
  if (k.max_cost_usd) {
    if (!c.cost_usd) {
      source = k.max_cost_source;
      return "price unknown, so the cost bound cannot be checked";
    }
    if (*c.cost_usd > *k.max_cost_usd) {
      source = k.max_cost_source;
      return fmt::format("estimated cost ${:.6f} > max ${:.6f}", *c.cost_usd, *k.max_cost_usd);
    }
  }
  if (k.max_latency_ms) {
    if (!c.ttfb_ms) {
      note = "no latency samples yet (unknown, allowed)";
    } else if (*c.ttfb_ms > *k.max_latency_ms) {
      source = k.max_latency_source;
      return fmt::format("TTFB EWMA {:.0f} ms > max {:.0f} ms", *c.ttfb_ms, *k.max_latency_ms);
    }
  }
  return {};
}

// `prefer` order of the kept candidates of one tier (stable: ties keep the
// tier's listed order).
std::vector<const Candidate*> ordered(const std::vector<Candidate>& all, size_t tier,
                                      Prefer prefer) {
  std::vector<const Candidate*> out;
  for (const Candidate& c : all) {
    if (c.kept && c.tier_index == tier) out.push_back(&c);
  }
  auto key = [&](const Candidate* c) -> std::pair<int, double> {
    switch (prefer) {
      case Prefer::kCost:
        return c->cost_usd ? std::pair{0, *c->cost_usd} : std::pair{1, 0.0};
      case Prefer::kLatency:
        return c->ttfb_ms ? std::pair{0, *c->ttfb_ms} : std::pair{1, 0.0};
      case Prefer::kQuality:
        break;
    }
    return {0, 0.0};
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const Candidate* a, const Candidate* b) { return key(a) < key(b); });
  return out;
}

std::string prefer_note(Prefer p, const Candidate& c) {
  switch (p) {
    case Prefer::kCost:
      return c.cost_usd ? fmt::format("prefer cost (${:.6f})", *c.cost_usd)
                        : std::string("prefer cost (price unknown)");
    case Prefer::kLatency:
      return c.ttfb_ms ? fmt::format("prefer latency ({:.0f} ms)", *c.ttfb_ms)
                       : std::string("prefer latency (no samples)");
    case Prefer::kQuality:
      return "prefer quality (tier order)";
  }
  return {};
}

std::string short_list(const std::vector<Candidate>& all, auto&& pick) {
  std::string out;
  int n = 0;
  for (const Candidate& c : all) {
    if (!pick(c)) continue;
    if (++n > 4) {
      out += "; ...";
      break;
    }
    if (!out.empty()) out += "; ";
    out += c.group + ": " + c.why;
  }
  return out;
}

api::ApiError no_group_error(const Policy& p, const Decision& d, const DecisionInput& in,
                             size_t start) {
  const auto& all = d.candidates;
  const bool any_after_requirements = std::any_of(
      all.begin(), all.end(), [](const Candidate& c) { return c.removed_by != "requirements"; });
  if (!any_after_requirements) {
    const Requirements& r = in.requirements;
    std::string param = r.vision || r.audio ? "messages"
                        : r.tools           ? "tools"
                        : r.json_schema     ? "response_format"
                                            : "messages";
    return api::invalid_request(
        fmt::format("No model of policy '{}' can serve this request: {}", p.name,
                    short_list(all, [](const Candidate&) { return true; })),
        param, "no_capable_model");
  }
  if (in.constraints.local_only) {
    // Never leak: the request is refused rather than sent to a non-local group.
    return api::invalid_request(
        fmt::format("privacy local: no local model of policy '{}' can serve this request at "
                    "tier '{}' or above; it was not sent to any provider. {}",
                    p.name, start < p.tiers.size() ? p.tiers[start].name : "local",
                    short_list(all, [](const Candidate& c) { return c.local; })),
        in.constraints.privacy_source, "privacy_unsatisfiable");
  }
  std::string source;
  for (const Candidate& c : all) {
    if (c.tier_index >= start && !c.constraint_source.empty()) {
      source = c.constraint_source;
      break;
    }
  }
  return api::invalid_request(
      fmt::format(
          "No model of policy '{}' at tier '{}' or above meets the request's requirements and "
          "constraints "
          "(auto-routing never steps down a tier): {}",
          p.name, p.tiers[std::min(start, p.tiers.size() - 1)].name,
          short_list(all, [&](const Candidate& c) { return c.tier_index >= start && !c.kept; })),
      source.empty() ? std::string("model") : source, "route_unsatisfiable");
}

}  // namespace

size_t tier_for_score(double score, double threshold, size_t tiers) {
  if (tiers <= 1) return 0;
  if (!(score >= threshold)) return 0;
  if (tiers == 2) return 1;
  const double span = 1.0 - threshold;
  if (span <= 0) return tiers - 1;
  const double band = (score - threshold) / span * static_cast<double>(tiers - 1);
  return std::min(tiers - 1, 1 + static_cast<size_t>(std::floor(band)));
}

Decision decide(const Policy& p, const routing::RoutingTable& table, const DecisionInput& in) {
  Decision d;
  d.policy = p.name;
  const size_t local_tier = p.tiers.size();

  // Candidates: every tier's groups, then (privacy local) the local groups
  // outside the tiers.
  for (size_t t = 0; t < p.tiers.size(); ++t) {
    for (const std::string& g : p.tiers[t].groups) {
      d.candidates.push_back({g, p.tiers[t].name, t, p.is_local(g)});
    }
  }
  if (in.constraints.local_only) {
    for (const std::string& g : p.local) {
      const bool in_tier = std::any_of(d.candidates.begin(), d.candidates.end(),
                                       [&](const Candidate& c) { return c.group == g; });
      if (!in_tier) d.candidates.push_back({g, "local", local_tier, true});
    }
  }

  // 1. Requirements, 2. constraints.
  int removed_req = 0, removed_con = 0;
  for (Candidate& c : d.candidates) {
    const routing::GroupRuntime* g = table.group(c.group);
    if (g == nullptr) {
      c.kept = false;
      c.removed_by = "requirements";
      c.why = "not a configured model group";
      ++removed_req;
      continue;
    }
    estimate(*g, in, c);
    std::string note;
    if (std::string why = check_requirements(*g, in, c, note); !why.empty()) {
      c.kept = false;
      c.removed_by = "requirements";
      c.why = std::move(why);
      ++removed_req;
      continue;
    }
    std::string source, con_note;
    if (std::string why = check_constraints(c, in.constraints, source, con_note); !why.empty()) {
      c.kept = false;
      c.removed_by = "constraints";
      c.constraint_source = std::move(source);
      c.why = std::move(why);
      ++removed_con;
      continue;
    }
    c.why = con_note.empty() ? note : note + "; " + con_note;
  }
  const Requirements& r = in.requirements;
  std::string needs;
  for (auto [on, name] : {std::pair{r.vision, "vision"}, std::pair{r.audio, "audio"},
                          std::pair{r.tools, "tools"}, std::pair{r.json_schema, "json_schema"}}) {
    if (on) needs += needs.empty() ? name : std::string(", ") + name;
  }
  d.steps.push_back(fmt::format("requirements ({}; context window): {} of {} groups removed",
                                needs.empty() ? "none beyond chat" : needs, removed_req,
                                d.candidates.size()));
  d.steps.push_back(fmt::format("constraints: {} groups removed", removed_con));

  // 3. Complexity: the starting tier.
  size_t start = 0;
  std::string tier_reason;
  if (in.constraints.tier) {
    auto t = p.tier_index(*in.constraints.tier);
    if (!t) {
      std::string names;
      for (const Tier& tier : p.tiers) names += (names.empty() ? "" : ", ") + tier.name;
      d.error = api::invalid_request(
          fmt::format("Invalid '{}': policy '{}' has no tier '{}' (tiers: {})",
                      in.constraints.tier_source, p.name, *in.constraints.tier, names),
          in.constraints.tier_source, "invalid_route_constraint");
      d.steps.push_back("tier: unknown forced tier");
      return d;
    }
    start = *t;
    tier_reason =
        fmt::format("forced tier {} ({})", p.tiers[start].name, in.constraints.tier_source);
  } else {
    const classifier::Model& model = *p.classifier;
    classifier::FeatureVector x = classifier::features(in.request, model.hash_bits());
    ClassifierOutcome& o = d.classifier;
    o.used = true;
    o.score = model.score(x);
    o.threshold = p.threshold;
    o.dense = x.dense;
    o.sparse_features = x.sparse.size();
    o.tier_index = tier_for_score(o.score, o.threshold, p.tiers.size());
    start = o.tier_index;
    tier_reason =
        fmt::format("classifier score {:.2f} {} {:.2f} -> {}", o.score,
                    o.score >= o.threshold ? ">=" : "<", o.threshold, p.tiers[start].name);
  }
  d.steps.push_back("complexity: " + tier_reason);

  // Step up until a tier has a qualifying group.
  size_t chosen = start;
  std::vector<const Candidate*> picks;
  std::string stepped;
  for (; chosen <= local_tier; ++chosen) {
    picks = ordered(d.candidates, chosen, p.prefer);
    if (!picks.empty()) break;
    if (chosen < local_tier) {
      d.steps.push_back(fmt::format("tier {}: no qualifying group, step up", p.tiers[chosen].name));
      stepped += (stepped.empty() ? "" : ", ") + p.tiers[chosen].name;
    }
  }
  if (picks.empty()) {
    d.error = no_group_error(p, d, in, start);
    d.steps.push_back("no qualifying group at the chosen tier or above");
    return d;
  }
  d.tier = chosen < local_tier ? p.tiers[chosen].name : "local";
  d.model = picks.front()->group;
  for (size_t t = chosen; t <= local_tier; ++t) {
    for (const Candidate* c : t == chosen ? picks : ordered(d.candidates, t, p.prefer)) {
      d.groups.push_back(c->group);
    }
  }
  d.reason = tier_reason;
  if (!stepped.empty()) {
    d.reason += fmt::format("; none qualifies in {}, stepped up -> {}", stepped, d.tier);
  }
  d.reason += fmt::format("; {} -> {}", prefer_note(p.prefer, *picks.front()), d.model);
  std::string failover;
  for (size_t i = 1; i < d.groups.size(); ++i) failover += (i > 1 ? ", " : "") + d.groups[i];
  d.steps.push_back(fmt::format("chose {} in tier {}; failover: {}", d.model, d.tier,
                                failover.empty() ? "none" : failover));
  return d;
}

}  // namespace sy::policy
