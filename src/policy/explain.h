// A Decision as JSON, for POST /v1/route/explain with model "auto":
// {"status":"ready"|"rejected", "policy":..., "model":..., "tier":...,
//  "deployment":{"group","deployment","provider","model"}|null,   // the plan's first attempt
//  "reason":..., "groups":[chosen, failover...], "steps":[...],
//  "error":{OpenAI error object}|absent,
//  "candidates":[{"group","tier","local","kept","removed_by"|null,"why",
//                 "prompt_tokens","estimated_cost_usd"|null,"ttfb_ewma_ms"|null}],
//  "classifier":{"used","source","score","threshold","tier","sparse_features"}|absent,
//  "scores":{"strong":score,"threshold":..}, "features":{"log_chars":..,...},
//  "plan":<routing explain_json>|absent}
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "policy/decide.h"
#include "routing/plan.h"

namespace sy::policy {

// Names of the classifier's dense features, in DenseFeature order.
std::string_view dense_feature_name(size_t i);

// `plan` may be null (rejected decisions); `plan_json` is its explain_json().
std::string explain_json(const Policy& policy, const Decision& d, const routing::RoutePlan* plan,
                         std::string_view plan_json);

}  // namespace sy::policy
