#include "policy/request.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace sy::policy {

namespace {

void scan_parts(simdjson::dom::array parts, Requirements& out) {
  for (simdjson::dom::element part : parts) {
    std::string_view type;
    if (part["type"].get_string().get(type) != simdjson::SUCCESS) continue;
    if (type == "image_url" || type == "image") out.vision = true;
    if (type == "input_audio") out.audio = true;
  }
}

bool non_empty_array(simdjson::dom::object root, std::string_view key) {
  simdjson::dom::array a;
  return root[key].get_array().get(a) == simdjson::SUCCESS && a.size() > 0;
}

std::optional<double> parse_number(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

api::ApiError bad(std::string_view field, std::string what) {
  return api::invalid_request(fmt::format("Invalid '{}': {}", field, what), std::string(field),
                              "invalid_route_constraint");
}

// Applies one constraint value (from a header or the body) to `out`.
std::optional<api::ApiError> apply_cost(double v, std::string_view field, Constraints& out) {
  if (v < 0) return bad(field, "expected a number >= 0 (USD)");
  out.max_cost_usd = v;
  out.max_cost_source = std::string(field);
  return std::nullopt;
}
std::optional<api::ApiError> apply_latency(double v, std::string_view field, Constraints& out) {
  if (v <= 0) return bad(field, "expected a number of milliseconds > 0");
  out.max_latency_ms = v;
  out.max_latency_source = std::string(field);
  return std::nullopt;
}
std::optional<api::ApiError> apply_privacy(std::string_view v, std::string_view field,
                                           Constraints& out) {
  if (v == "local") {
    out.local_only = true;
  } else if (v == "any") {
    out.local_only = false;
  } else {
    return bad(field, fmt::format("expected \"local\" or \"any\", got \"{}\"",
                                  v.size() > 40 ? v.substr(0, 40) : v));
  }
  out.privacy_source = std::string(field);
  return std::nullopt;
}
std::optional<api::ApiError> apply_tier(std::string_view v, std::string_view field,
                                        Constraints& out) {
  if (v.empty() || v.size() > 64) return bad(field, "expected a tier name");
  out.tier = std::string(v);
  out.tier_source = std::string(field);
  return std::nullopt;
}

}  // namespace

Requirements requirements_of(simdjson::dom::object root, std::optional<int64_t> max_tokens) {
  Requirements out;
  out.max_tokens = max_tokens;
  simdjson::dom::array messages;
  if (root["messages"].get_array().get(messages) == simdjson::SUCCESS) {
    for (simdjson::dom::element m : messages) {
      simdjson::dom::array parts;
      if (m["content"].get_array().get(parts) == simdjson::SUCCESS) scan_parts(parts, out);
    }
  }
  out.tools = non_empty_array(root, "tools") || non_empty_array(root, "functions");
  std::string_view format;
  if (root["response_format"]["type"].get_string().get(format) == simdjson::SUCCESS) {
    out.json_schema = format == "json_schema";
  }
  return out;
}

Expected<Constraints, api::ApiError> constraints_of(simdjson::dom::object root,
                                                    const ConstraintHeaders& headers) {
  Constraints out;
  if (!headers.max_cost_usd.empty()) {
    auto v = parse_number(headers.max_cost_usd);
    if (!v) return unexpected(bad(kMaxCostHeader, "expected a number >= 0 (USD)"));
    if (auto e = apply_cost(*v, kMaxCostHeader, out)) return unexpected(std::move(*e));
  }
  if (!headers.max_latency_ms.empty()) {
    auto v = parse_number(headers.max_latency_ms);
    if (!v) return unexpected(bad(kMaxLatencyHeader, "expected a number of milliseconds > 0"));
    if (auto e = apply_latency(*v, kMaxLatencyHeader, out)) return unexpected(std::move(*e));
  }
  if (!headers.privacy.empty()) {
    if (auto e = apply_privacy(headers.privacy, kPrivacyHeader, out)) {
      return unexpected(std::move(*e));
    }
  }
  if (!headers.tier.empty()) {
    if (auto e = apply_tier(headers.tier, kTierHeader, out)) return unexpected(std::move(*e));
  }

  simdjson::dom::element route;
  if (root["route"].get(route) != simdjson::SUCCESS) return out;
  if (route.is_null()) return out;
  simdjson::dom::object obj;
  if (route.get_object().get(obj) != simdjson::SUCCESS) {
    return unexpected(bad("route", "expected an object"));
  }
  for (auto field : obj) {
    const std::string name =
        fmt::format("route.{}", field.key.size() > 40 ? field.key.substr(0, 40) : field.key);
    if (field.key == "max_cost_usd" || field.key == "max_latency_ms") {
      double v = 0;
      if (!field.value.is_number() || field.value.get_double().get(v) != simdjson::SUCCESS) {
        return unexpected(bad(name, "expected a number"));
      }
      auto e = field.key == "max_cost_usd" ? apply_cost(v, name, out) : apply_latency(v, name, out);
      if (e) return unexpected(std::move(*e));
    } else if (field.key == "privacy" || field.key == "tier") {
      std::string_view v;
      if (field.value.get_string().get(v) != simdjson::SUCCESS) {
        return unexpected(bad(name, "expected a string"));
      }
      auto e = field.key == "privacy" ? apply_privacy(v, name, out) : apply_tier(v, name, out);
      if (e) return unexpected(std::move(*e));
    } else {
      return unexpected(
          bad(name, "unknown key (expected max_cost_usd, max_latency_ms, privacy or tier)"));
    }
  }
  return out;
}

}  // namespace sy::policy
