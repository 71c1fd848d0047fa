#include "routing/plan.h"

#include <boost/container/small_vector.hpp>
#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace sy::routing {

std::string_view to_string(PlanStatus s) {
  switch (s) {
    case PlanStatus::kReady:
      return "ready";
    case PlanStatus::kWait:
      return "wait";
    case PlanStatus::kUnavailable:
      return "unavailable";
    case PlanStatus::kUnknownModel:
      return "unknown_model";
    case PlanStatus::kNoFit:
      return "no_fit";
  }
  return "unknown";
}

std::vector<Attempt> group_attempts(const GroupRuntime& group, const OrderRequest& req,
                                    std::string_view first_reason, Rng& rng,
                                    std::vector<Attempt>* too_small) {
  GroupOrder order = order_group(group, req, rng);
  std::vector<Attempt> out;
  out.reserve(std::max<size_t>(order.ranked.size(),
                               static_cast<size_t>(group.routing.retries.attempts_for(
                                   group.deployments.size()))));
  for (Ranked& r : order.ranked) {
    Attempt a{&group, r.deployment, out.empty() ? std::string(first_reason) : "retry", r.standing,
              std::move(r.why)};
    if (r.standing == Standing::kTooSmall) {
      if (too_small != nullptr) too_small->push_back(std::move(a));
      continue;
    }
    out.push_back(std::move(a));
  }
  const size_t wanted = static_cast<size_t>(group.routing.retries.attempts_for(group.deployments.size()));
  for (size_t k = 0; order.available > 0 && out.size() < wanted; ++k) {
    const Attempt& again = out[k % order.available];
    out.push_back(
        {&group, again.deployment, "retry", Standing::kAvailable, "retry of the same deployment"});
  }
  return out;
}

bool RoutePlan::allows(const GroupRuntime& g) const {
  return allowed_groups.empty() ||
         std::find(allowed_groups.begin(), allowed_groups.end(), g.name) != allowed_groups.end();
}

RoutePlan make_plan(const RoutingTable& table, const RequestFacts& facts, int64_t now_ns,
                    Rng& rng) {
  RoutePlan plan;
  plan.request = OrderRequest{now_ns, facts.stream, facts.prompt_tokens, facts.max_tokens};
  plan.allowed_groups = facts.allowed_groups;
  // The request's `models` list, or its one model.
  const std::string* names = facts.models.empty() ? &facts.model : facts.models.data();
  const size_t name_count = facts.models.empty() ? 1 : facts.models.size();
  // A request names a model or a few: kept inline, no allocation.
  boost::container::small_vector<const GroupRuntime*, 4> entries;
  entries.reserve(name_count);
  for (size_t i = 0; i < name_count; ++i) {
    const GroupRuntime* g = table.group(names[i]);
    if (g == nullptr) {
      plan.status = PlanStatus::kUnknownModel;
      plan.message =
          fmt::format("The model '{}' does not exist or you do not have access to it.", names[i]);
      return plan;
    }
    entries.push_back(g);
  }
  plan.primary = entries.front();

  // Groups already added; a handful at most, so a vector beats a set.
  boost::container::small_vector<const GroupRuntime*, 4> seen;
  auto add_group = [&](const GroupRuntime& g, std::string_view reason, auto& self) -> void {
    if (!plan.allows(g) || std::find(seen.begin(), seen.end(), &g) != seen.end()) return;
    seen.push_back(&g);
    std::vector<Attempt> small;
    std::vector<Attempt> attempts = group_attempts(g, plan.request, reason, rng, &small);
    for (Attempt& a : small) plan.skipped.push_back(std::move(a));
    if (attempts.empty() && !small.empty()) {
      for (const std::string& f : g.routing.context_window_fallbacks) {
        if (const GroupRuntime* fg = table.group(f)) self(*fg, "fallback:context_window", self);
      }
      return;
    }
    if (plan.attempts.empty()) {
      plan.attempts = std::move(attempts);
    } else {
      for (Attempt& a : attempts) plan.attempts.push_back(std::move(a));
    }
  };
  for (size_t i = 0; i < entries.size(); ++i) {
    add_group(*entries[i], i == 0 ? "primary" : "fallback:models", add_group);
  }
  for (const GroupRuntime* g : entries) {
    for (const std::string& f : g->routing.fallbacks) {
      if (const GroupRuntime* fg = table.group(f)) add_group(*fg, "fallback:fallbacks", add_group);
    }
  }

  if (plan.attempts.empty()) {
    plan.status = PlanStatus::kNoFit;
    plan.message = fmt::format(
        "The request needs about {} tokens, more than the context window of every deployment of "
        "model '{}' and its context_window_fallbacks.",
        plan.request.prompt_tokens + plan.request.max_tokens.value_or(0), plan.primary->name);
    return plan;
  }
  bool any_available = false, any_capped = false;
  std::optional<int64_t> soonest;
  for (const Attempt& a : plan.attempts) {
    any_available |= a.standing == Standing::kAvailable;
    any_capped |= a.standing == Standing::kAtCap;
    const DeploymentHealth& h = *a.target().health;
    int64_t until = a.standing == Standing::kOpen      ? h.breaker().open_until_ns()
                    : a.standing == Standing::kCooling ? h.cooling_until_ns()
                                                       : 0;
    if (until > 0 && (!soonest || until < *soonest)) soonest = until;
  }
  if (any_available) {
    plan.status = PlanStatus::kReady;
  } else if (any_capped) {
    plan.status = PlanStatus::kWait;
    plan.message = fmt::format("Every deployment of model '{}' is at its rate or concurrency cap.",
                               plan.primary->name);
  } else {
    plan.status = PlanStatus::kUnavailable;
    plan.message = fmt::format(
        "All deployments of model '{}' are temporarily unavailable (circuit open or rate limited "
        "upstream); retry later.",
        plan.primary->name);
    if (soonest) plan.retry_after = Nanos(std::max<int64_t>(0, *soonest - now_ns));
  }
  return plan;
}

namespace {

using json::Writer;
using json::key;
using json::str;

void names(Writer& w, const std::vector<std::string>& list) {
  w.StartArray();
  for (const auto& n : list) str(w, n);
  w.EndArray();
}

}  // namespace

void write_attempt_fields(json::Writer& w, const Attempt& a) {
  key(w, "group");
  str(w, a.group->name);
  key(w, "deployment");
  w.Uint64(a.deployment);
  key(w, "provider");
  str(w, a.target().provider);
  key(w, "model");
  str(w, a.target().model);
}

std::string explain_json(const RoutePlan& plan, int64_t now_ns) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  key(w, "status");
  str(w, to_string(plan.status));
  if (plan.primary != nullptr) {
    key(w, "model");
    str(w, plan.primary->name);
  }
  if (!plan.message.empty()) {
    key(w, "message");
    str(w, plan.message);
  }
  if (plan.retry_after) {
    key(w, "retry_after_ms");
    w.Int64(std::chrono::duration_cast<Millis>(*plan.retry_after).count());
  }
  key(w, "request");
  w.StartObject();
  key(w, "stream");
  w.Bool(plan.request.stream);
  key(w, "prompt_tokens");
  w.Int64(plan.request.prompt_tokens);
  key(w, "max_tokens");
  if (plan.request.max_tokens) {
    w.Int64(*plan.request.max_tokens);
  } else {
    w.Null();
  }
  w.EndObject();
  if (!plan.allowed_groups.empty()) {
    key(w, "allowed_groups");
    names(w, plan.allowed_groups);
  }

  key(w, "attempts");
  w.StartArray();
  std::vector<const GroupRuntime*> groups;
  for (size_t i = 0; i < plan.attempts.size(); ++i) {
    const Attempt& a = plan.attempts[i];
    if (std::find(groups.begin(), groups.end(), a.group) == groups.end()) groups.push_back(a.group);
    w.StartObject();
    key(w, "position");
    w.Uint64(i + 1);
    write_attempt_fields(w, a);
    key(w, "reason");
    str(w, a.reason);
    key(w, "standing");
    str(w, to_string(a.standing));
    key(w, "why");
    str(w, a.why);
    w.EndObject();
  }
  w.EndArray();

  key(w, "skipped");
  w.StartArray();
  for (const Attempt& a : plan.skipped) {
    if (std::find(groups.begin(), groups.end(), a.group) == groups.end()) groups.push_back(a.group);
    w.StartObject();
    write_attempt_fields(w, a);
    key(w, "why");
    str(w, a.why);
    w.EndObject();
  }
  w.EndArray();

  key(w, "conditional");
  w.StartObject();
  for (const GroupRuntime* g : groups) {
    if (g->routing.context_window_fallbacks.empty() &&
        g->routing.content_policy_fallbacks.empty()) {
      continue;
    }
    key(w, g->name);
    w.StartObject();
    key(w, "context_window_fallbacks");
    names(w, g->routing.context_window_fallbacks);
    key(w, "content_policy_fallbacks");
    names(w, g->routing.content_policy_fallbacks);
    w.EndObject();
  }
  w.EndObject();

  key(w, "groups");
  w.StartObject();
  for (const GroupRuntime* g : groups) {
    key(w, g->name);
    w.StartObject();
    key(w, "strategy");
    str(w, to_string(g->routing.strategy));
    key(w, "deployments");
    w.StartArray();
    for (const DeploymentRuntime& d : g->deployments) {
      const DeploymentHealth& h = *d.health;
      w.StartObject();
      key(w, "deployment");
      w.Uint64(d.index);
      key(w, "provider");
      str(w, d.provider);
      key(w, "model");
      str(w, d.model);
      key(w, "breaker");
      str(w, to_string(h.breaker().state()));
      key(w, "in_flight");
      w.Int64(h.caps().in_flight());
      key(w, "ttfb_ewma_ms");
      if (auto ms = h.ttfb_ewma_ms(plan.request.stream)) {
        w.Double(*ms);
      } else {
        w.Null();
      }
      key(w, "error_rate");
      w.Double(h.error_rate(now_ns));
      key(w, "headroom");
      w.Double(h.caps().headroom(now_ns));
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace sy::routing
