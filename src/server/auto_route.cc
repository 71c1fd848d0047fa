#include "server/auto_route.h"

#include <random>

#include "policy/explain.h"
#include "routing/clock.h"
#include "server/prompt_tokens.h"
#include "server/server.h"
#include "tokenize/tokenizer.h"

namespace sy::server {

namespace {

constexpr size_t kMaxReasonHeader = 300;

// The decision without its error check; `policy` out.
Expected<std::optional<AutoRoute>, api::ApiError> decide_for(
    const api::Request& req, const policy::ConstraintHeaders& headers, const config::Config& cfg,
    const policy::PolicySet* policies, const routing::RoutingTable* table) {
  if (!policy::is_auto_model(req.model()) || cfg.find_model(req.model()) != nullptr) {
    return std::optional<AutoRoute>();
  }
  const policy::Policy* p = policies != nullptr ? policies->resolve(req.model()) : nullptr;
  if (p == nullptr || table == nullptr) return unexpected(api::model_not_found(req.model()));
  auto constraints = policy::constraints_of(req.root(), headers);
  if (!constraints) return unexpected(std::move(constraints.error()));

  policy::DecisionInput in;
  in.request = req.root();
  in.requirements = policy::requirements_of(req.root(), req.max_tokens());
  in.constraints = std::move(*constraints);
  in.stream = req.stream();
  // One exact count per encoding the candidates use (o200k_base, cl100k_base).
  std::optional<int64_t> counted[2];
  in.prompt_tokens = [&req, &counted](std::string_view model) {
    const tokenize::Encoding enc = tokenize::encoding_for_model(model);
    std::optional<int64_t>& slot = counted[enc == tokenize::Encoding::kO200kBase ? 0 : 1];
    if (!slot) slot = prompt_tokens(req, enc);
    return *slot;
  };
  AutoRoute route{p, policy::decide(*p, *table, in)};
  return std::optional<AutoRoute>(std::move(route));
}

std::string ascii(std::string_view s, size_t limit) {
  std::string out;
  for (char c : s.substr(0, limit)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return out;
}

}  // namespace

Expected<std::optional<AutoRoute>, api::ApiError> auto_route(
    const api::Request& req, const policy::ConstraintHeaders& headers, const config::Config& cfg,
    const policy::PolicySet* policies, const routing::RoutingTable* table) {
  auto routed = decide_for(req, headers, cfg, policies, table);
  if (routed && *routed && (*routed)->decision.error) {
    return unexpected(*(*routed)->decision.error);
  }
  return routed;
}

void apply_auto_route(const AutoRoute& route, routing::RequestFacts& facts) {
  facts.model = route.decision.model;
  facts.models = route.decision.groups;
  facts.allowed_groups = route.decision.groups;
}

config::ModelGroup reservation_group(const AutoRoute& route, const config::Config& cfg) {
  config::ModelGroup all;
  all.name = route.decision.model;
  for (const std::string& name : route.decision.groups) {
    if (const config::ModelGroup* g = cfg.find_model(name)) {
      all.deployments.insert(all.deployments.end(), g->deployments.begin(), g->deployments.end());
    }
  }
  return all;
}

std::vector<std::pair<std::string, std::string>> auto_route_headers(const AutoRoute& route) {
  return {{"x-switchyard-tier", ascii(route.decision.tier, 64)},
          {"x-switchyard-route-reason", ascii(route.decision.reason, kMaxReasonHeader)}};
}

std::optional<Response> explain_auto_route(SharedState& shared, const api::Request& req,
                                           const policy::ConstraintHeaders& headers) {
  auto routed =
      decide_for(req, headers, *shared.config, shared.policies.get(), shared.routing.get());
  if (!routed) return error_response(routed.error());
  if (!*routed) return std::nullopt;
  const AutoRoute& route = **routed;
  if (route.decision.error) {
    return Response{200,
                    "application/json",
                    policy::explain_json(*route.policy, route.decision, nullptr, ""),
                    {}};
  }
  thread_local routing::Rng rng(std::random_device{}());
  const routing::Clock& clock = routing::steady_clock();
  routing::RequestFacts facts;
  facts.stream = req.stream();
  facts.prompt_tokens = prompt_tokens(req);
  facts.max_tokens = req.max_tokens();
  apply_auto_route(route, facts);
  const routing::RoutePlan plan = routing::make_plan(*shared.routing, facts, clock.now_ns(), rng);
  return Response{200,
                  "application/json",
                  policy::explain_json(*route.policy, route.decision, &plan,
                                       routing::explain_json(plan, clock.now_ns())),
                  {}};
}

}  // namespace sy::server
