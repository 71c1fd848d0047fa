// What a chat request asks of an auto policy: hard requirements read from the
// body (images, audio, tools, JSON-schema output, requested output tokens) and
// the client's constraints, from `x-switchyard-*` headers or a `"route"`
// object in the body.
//
//   header                       body                     value
//   x-switchyard-max-cost-usd    route.max_cost_usd       number >= 0 (USD, estimated worst case)
//   x-switchyard-max-latency-ms  route.max_latency_ms     number > 0 (TTFB EWMA bound)
//   x-switchyard-privacy         route.privacy            "local" (or "any": no bound)
//   x-switchyard-tier            route.tier               a tier name of the policy
//
// When both carry the same constraint, the body's value wins. Wrong types,
// unknown `route` keys and bad values are 400 invalid_request_error naming the
// header or field. Pure functions over the parsed body; thread-safe.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>

#include "api/error.h"
#include "util/expected.h"

namespace sy::policy {

struct Requirements {
  bool vision = false;                // an image part in any message
  bool audio = false;                 // an input_audio part in any message
  bool tools = false;                 // a non-empty tools (or legacy functions) list
  bool json_schema = false;           // response_format.type == "json_schema"
  std::optional<int64_t> max_tokens;  // requested output (max_completion_tokens / max_tokens)
};

// Never fails: malformed parts are ignored (parse_request already validated
// what it needs).
Requirements requirements_of(simdjson::dom::object root, std::optional<int64_t> max_tokens);

// Raw header values; empty means absent.
struct ConstraintHeaders {
  std::string max_cost_usd;
  std::string max_latency_ms;
  std::string privacy;
  std::string tier;
  bool empty() const {
    return max_cost_usd.empty() && max_latency_ms.empty() && privacy.empty() && tier.empty();
  }
};

inline constexpr std::string_view kMaxCostHeader = "x-switchyard-max-cost-usd";
inline constexpr std::string_view kMaxLatencyHeader = "x-switchyard-max-latency-ms";
inline constexpr std::string_view kPrivacyHeader = "x-switchyard-privacy";
inline constexpr std::string_view kTierHeader = "x-switchyard-tier";

struct Constraints {
  std::optional<double> max_cost_usd;
  std::optional<double> max_latency_ms;
  bool local_only = false;
  std::optional<std::string> tier;
  // Where each came from ("x-switchyard-tier" or "route.tier"), for messages.
  std::string max_cost_source, max_latency_source, privacy_source, tier_source;
};

Expected<Constraints, api::ApiError> constraints_of(simdjson::dom::object root,
                                                    const ConstraintHeaders& headers);

}  // namespace sy::policy
