// RoutePlan: the ordered attempts for one request, built before sending.
//
// Order:
//   1. the requested model's group (or, with a request-level "models" list,
//      each listed group in the client's order; reason of its first attempt
//      "fallback:models" for every group after the first);
//   2. then each of those groups' `fallbacks:` in order ("fallback:fallbacks").
// A group appears once. Inside a group the strategy orders the deployments
// (strategy.h); the first attempt of the plan has reason "primary", further
// attempts in the same group "retry". When the group's max_attempts exceeds
// its deployment count, its available deployments are repeated (reason
// "retry") until the group has max_attempts entries.
// Allowed groups: when RequestFacts::allowed_groups is non-empty (model
// "auto" policies), no group outside it is ever planned — requested, listed in
// `fallbacks:` or `context_window_fallbacks` — nor spliced in later by RouteRun.
// Context window: a deployment whose known window is smaller than
// prompt_tokens + max_tokens is never listed (see `skipped`); when no
// deployment of a group fits, its `context_window_fallbacks` are inserted in
// its place ("fallback:context_window"). After a kContextLength or
// kContentPolicy error, RouteRun splices in the failing group's
// context_window_fallbacks / content_policy_fallbacks (run.h).
//
// Thread safety: make_plan reads shared health; the result is owned by the
// caller (one per request).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/json_writer.h"

#include "routing/rng.h"
#include "routing/strategy.h"
#include "routing/table.h"

namespace sy::routing {

// What routing needs to know about a request (the server fills it from the
// parsed body; routing never parses JSON).
struct RequestFacts {
  std::string model;                // "model"
  std::vector<std::string> models;  // "models" (OpenRouter style); when non-empty, replaces model
  bool stream = false;
  int64_t prompt_tokens = 0;          // estimate (tokenize::count_chat_prompt)
  std::optional<int64_t> max_tokens;  // max_tokens / max_completion_tokens
  // When non-empty, the only groups routing may use (see the header comment).
  std::vector<std::string> allowed_groups;
};

struct Attempt {
  const GroupRuntime* group = nullptr;
  size_t deployment = 0;
  std::string reason;                        // "primary", "retry", "fallback:<why>"
  Standing standing = Standing::kAvailable;  // when planned
  std::string why;                           // position explanation, for explain()
  const DeploymentRuntime& target() const { return group->deployments[deployment]; }
};

enum class PlanStatus {
  kReady,         // at least one attempt is available now: walk it (RouteRun)
  kWait,          // nothing available, but something is only at cap: queue (wait_queue.h)
  kUnavailable,   // everything is open or cooling: answer 503 with `message`, Retry-After
  kUnknownModel,  // a requested model is not a configured group: 404 model_not_found
  kNoFit,         // the prompt fits no deployment nor context fallback: 400 context_length_exceeded
};
std::string_view to_string(PlanStatus s);

struct RoutePlan {
  PlanStatus status = PlanStatus::kReady;
  std::vector<Attempt> attempts;     // in order; includes unavailable ones as late fallbacks
  std::vector<Attempt> skipped;      // deployments never tried (context window too small)
  std::string message;               // for non-ready statuses; names the group
  std::optional<Nanos> retry_after;  // kUnavailable: until the soonest deployment may reopen
  const GroupRuntime* primary = nullptr;
  OrderRequest request;
  std::vector<std::string> allowed_groups;  // from RequestFacts; empty = every group
  bool allows(const GroupRuntime& g) const;
};

RoutePlan make_plan(const RoutingTable& table, const RequestFacts& facts, int64_t now_ns, Rng& rng);

// A group's attempts as described above; `too_small` receives the
// deployments whose context window is too small. Used by make_plan and when
// RouteRun splices conditional fallbacks.
std::vector<Attempt> group_attempts(const GroupRuntime& group, const OrderRequest& req,
                                    std::string_view first_reason, Rng& rng,
                                    std::vector<Attempt>* too_small);

// The plan as JSON for POST /v1/route/explain:
// {"status":..., "model":..., "message":..., "retry_after_ms":...,
//  "request":{"stream":..,"prompt_tokens":..,"max_tokens":..},
//  "allowed_groups":[..] (only when restricted),
//  "attempts":[{"position":1,"group":..,"deployment":0,"provider":..,"model":..,
//               "reason":"primary","standing":"available","why":"..."}, ...],
//  "skipped":[{"group":..,"deployment":..,"provider":..,"model":..,"why":..}],
//  "conditional":{"<group>":{"context_window_fallbacks":[..],"content_policy_fallbacks":[..]}},
//  "groups":{"<group>":{"strategy":..,"deployments":[{"deployment":0,"provider":..,
//            "model":..,"breaker":..,"in_flight":..,"ttfb_ewma_ms":..|null,
//            "error_rate":..,"headroom":..}]}}}
std::string explain_json(const RoutePlan& plan, int64_t now_ns);
// The fields naming one attempt in explain answers: group, deployment (index),
// provider, model. Written into the writer's open object.
void write_attempt_fields(json::Writer& w, const Attempt& a);

}  // namespace sy::routing
