// Server glue for model "auto" (policy/decide.h): reads the request's
// requirements and constraints, counts prompt tokens per candidate model's
// encoding, runs the policy's decision, and turns it into routing input
// (RequestFacts::models / allowed_groups), response headers and the explain
// answer. Runs on the request's worker thread; reads only immutable shared
// state and health atomics.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/request.h"
#include "config/config.h"
#include "policy/decide.h"
#include "policy/policy.h"
#include "policy/request.h"
#include "routing/plan.h"
#include "routing/table.h"
#include "server/response.h"
#include "util/expected.h"

namespace sy::server {

struct SharedState;

struct AutoRoute {
  const policy::Policy* policy = nullptr;
  policy::Decision decision;  // no error: at least one group
};

// nullopt when the request does not ask for a policy: its model is not "auto"
// / "auto:<name>", or a configured model group has that exact name.
// Errors (OpenAI format): 404 model_not_found for an unconfigured policy, 400
// for bad constraints (naming the header or field) and for a decision that
// leaves no qualifying group (Decision::error).
Expected<std::optional<AutoRoute>, api::ApiError> auto_route(
    const api::Request& req, const policy::ConstraintHeaders& headers, const config::Config& cfg,
    const policy::PolicySet* policies, const routing::RoutingTable* table);

// The decision's groups become the request-level models list and the only
// groups routing may use.
void apply_auto_route(const AutoRoute& route, routing::RequestFacts& facts);

// Every deployment of every group the decision allows, as one group: the
// budget reservation must cover the dearest failover, not only the first pick.
config::ModelGroup reservation_group(const AutoRoute& route, const config::Config& cfg);

// x-switchyard-tier, x-switchyard-route-reason (ASCII, at most 300 bytes).
std::vector<std::pair<std::string, std::string>> auto_route_headers(const AutoRoute& route);

// POST /v1/route/explain for an auto model: the decision and its routing
// plan as JSON (200, also when the decision rejects the request: status
// "rejected" with the error). nullopt when the model is not an auto model.
std::optional<Response> explain_auto_route(SharedState& shared, const api::Request& req,
                                           const policy::ConstraintHeaders& headers);

}  // namespace sy::server
