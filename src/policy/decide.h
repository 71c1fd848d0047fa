// The auto-routing decision for one request under one Policy. Steps, each
// recorded in Decision::steps and per candidate:
//
// 1. Requirements — a group is removed unless every catalogued deployment has
//    the capabilities the request needs (vision for image parts, audio for
//    input_audio, tools, json_schema for response_format json_schema;
//    uncatalogued deployments are assumed capable, and explain says so), and
//    unless at least one deployment's context window holds the exact prompt
//    tokens (counted with that deployment's encoding) + the requested
//    max_tokens (0 when unset; unknown windows fit).
// 2. Constraints — privacy local removes every group not listed in `local:`;
//    max cost removes groups whose estimated worst-case cost (max over their
//    deployments of prompt × input price + output × output price, output =
//    max_tokens, else the deployment's max output, else 4096; unknown price =
//    removed) exceeds the bound; max latency removes groups whose lowest
//    deployment TTFB EWMA exceeds the bound (no samples = unknown = kept).
// 3. Complexity — a forced tier (constraint) wins; otherwise the classifier
//    scores the request and tier_for_score() maps it to a tier. From that tier
//    the first tier with a qualifying group is chosen (step up, never down).
//    With privacy local, local groups outside every tier form a last tier
//    named "local". `prefer` orders the chosen tier's groups.
//
// Result: Decision::groups = the chosen group, then the rest of its tier, then
// the qualifying groups of higher tiers (each in `prefer` order): the
// request-level `models` list and the allowed set for routing. Empty groups
// means no group qualifies: Decision::error is the 4xx to answer.
//
// Deterministic: the same request, policy and health give the same decision
// (no randomness; ties keep the tier's listed order). Reads shared health
// atomics; otherwise pure. Thread-safe.
#pragma once

#include <simdjson.h>

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/error.h"
#include "classifier/features.h"
#include "policy/policy.h"
#include "policy/request.h"
#include "routing/table.h"

namespace sy::policy {

// Output tokens assumed for cost when neither the request nor the catalog says.
inline constexpr int64_t kUnknownMaxOutput = 4096;

struct DecisionInput {
  simdjson::dom::object request;  // the chat body root (classifier features)
  Requirements requirements;
  Constraints constraints;
  bool stream = false;
  // Exact prompt tokens of the request as deployment model `model` counts them.
  std::function<int64_t(std::string_view model)> prompt_tokens;
};

struct Candidate {
  std::string group;
  std::string tier;       // tier name; "local" for local groups outside the tiers
  size_t tier_index = 0;  // tiers.size() for the "local" tier
  bool local = false;
  bool kept = true;
  std::string removed_by;          // "requirements" or "constraints" when removed
  std::string why;                 // why it was kept or removed
  std::string constraint_source;   // header/field of the constraint that removed it
  int64_t prompt_tokens = 0;       // as its first deployment counts them
  std::optional<double> cost_usd;  // estimated worst case; nullopt = price unknown
  std::optional<double> ttfb_ms;   // lowest deployment TTFB EWMA; nullopt = no samples
};

struct ClassifierOutcome {
  bool used = false;  // false when the tier was forced
  double score = 0;
  double threshold = 0;
  size_t tier_index = 0;  // the tier the score maps to
  std::array<float, classifier::kDenseCount> dense{};
  size_t sparse_features = 0;
};

struct Decision {
  std::string policy;
  std::string tier;                 // chosen tier; empty on error
  std::string model;                // chosen group; empty on error
  std::vector<std::string> groups;  // chosen first, then failover; the allowed set
  std::vector<Candidate> candidates;
  ClassifierOutcome classifier;
  std::vector<std::string> steps;  // each step, in order
  std::string reason;              // short, for x-switchyard-route-reason
  std::optional<api::ApiError> error;
};

// The tier a classifier score maps to, for `tiers` tiers (>= 1):
//   1 tier:  0.
//   2 tiers: score >= threshold → 1, else 0.
//   n tiers: score < threshold → 0; otherwise [threshold, 1] is split into
//            n - 1 equal bands, band k (from 0) → tier k + 1 (score 1 → last).
size_t tier_for_score(double score, double threshold, size_t tiers);

Decision decide(const Policy& policy, const routing::RoutingTable& table,
                const DecisionInput& input);

}  // namespace sy::policy
