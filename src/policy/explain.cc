#include "policy/explain.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>

namespace sy::policy {

namespace {

using json::key;
using json::str;
using json::Writer;

constexpr std::array<std::string_view, classifier::kDenseCount> kDenseNames = {
    "log_chars",     "log_words",       "log_lines",       "code_score",  "math_score",
    "log_questions", "log_messages",    "tools_present",   "log_tools",   "images_present",
    "digit_ratio",   "upper_ratio",     "non_ascii_ratio", "punct_ratio", "avg_word_len",
    "log_numbers",   "log_system_chars"};

void nullable(Writer& w, std::string_view s) {
  if (s.empty()) {
    w.Null();
  } else {
    str(w, s);
  }
}
void optional_double(Writer& w, const std::optional<double>& v) {
  if (v) {
    w.Double(*v);
  } else {
    w.Null();
  }
}

}  // namespace

std::string_view dense_feature_name(size_t i) {
  return i < kDenseNames.size() ? kDenseNames[i] : std::string_view("?");
}

std::string explain_json(const Policy& policy, const Decision& d, const routing::RoutePlan* plan,
                         std::string_view plan_json) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  key(w, "status");
  str(w, d.error ? "rejected" : "ready");
  key(w, "policy");
  str(w, d.policy);
  key(w, "model");
  nullable(w, d.model);
  key(w, "tier");
  nullable(w, d.tier);
  key(w, "deployment");
  if (plan != nullptr && !plan->attempts.empty()) {
    const routing::Attempt& a = plan->attempts.front();
    w.StartObject();
    routing::write_attempt_fields(w, a);
    w.EndObject();
  } else {
    w.Null();
  }
  key(w, "reason");
  str(w, d.reason);
  key(w, "prefer");
  str(w, to_string(policy.prefer));
  key(w, "groups");
  w.StartArray();
  for (const std::string& g : d.groups) str(w, g);
  w.EndArray();
  key(w, "steps");
  w.StartArray();
  for (const std::string& s : d.steps) str(w, s);
  w.EndArray();
  if (d.error) {
    key(w, "error");
    w.StartObject();
    key(w, "status");
    w.Int(d.error->status);
    key(w, "message");
    str(w, d.error->message);
    key(w, "type");
    str(w, d.error->type);
    key(w, "param");
    str(w, d.error->param);
    key(w, "code");
    str(w, d.error->code);
    w.EndObject();
  }
  key(w, "candidates");
  w.StartArray();
  for (const Candidate& c : d.candidates) {
    w.StartObject();
    key(w, "group");
    str(w, c.group);
    key(w, "tier");
    str(w, c.tier);
    key(w, "local");
    w.Bool(c.local);
    key(w, "kept");
    w.Bool(c.kept);
    key(w, "removed_by");
    nullable(w, c.removed_by);
    key(w, "why");
    str(w, c.why);
    key(w, "prompt_tokens");
    w.Int64(c.prompt_tokens);
    key(w, "estimated_cost_usd");
    optional_double(w, c.cost_usd);
    key(w, "ttfb_ewma_ms");
    optional_double(w, c.ttfb_ms);
    w.EndObject();
  }
  w.EndArray();
  key(w, "classifier");
  w.StartObject();
  key(w, "used");
  w.Bool(d.classifier.used);
  key(w, "source");
  str(w, policy.classifier_source);
  key(w, "threshold");
  w.Double(policy.threshold);
  if (d.classifier.used) {
    key(w, "score");
    w.Double(d.classifier.score);
    key(w, "tier");
    str(w, policy.tiers[d.classifier.tier_index].name);
    key(w, "sparse_features");
    w.Uint64(d.classifier.sparse_features);
  }
  w.EndObject();
  key(w, "scores");
  w.StartObject();
  if (d.classifier.used) {
    key(w, "strong");
    w.Double(d.classifier.score);
  }
  key(w, "threshold");
  w.Double(policy.threshold);
  w.EndObject();
  key(w, "features");
  w.StartObject();
  if (d.classifier.used) {
    for (size_t i = 0; i < d.classifier.dense.size(); ++i) {
      key(w, dense_feature_name(i));
      w.Double(d.classifier.dense[i]);
    }
  }
  w.EndObject();
  if (!plan_json.empty()) {
    key(w, "plan");
    w.RawValue(plan_json.data(), plan_json.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace sy::policy
