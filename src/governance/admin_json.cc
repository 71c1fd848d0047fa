#include "governance/admin_json.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cmath>
#include <cstdio>

namespace sy::governance {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr double kMaxUsd = 1e12;  // keeps micro-dollars far inside int64
constexpr size_t kMaxText = 256;
constexpr size_t kMaxModels = 1000;

api::ApiError field_error(std::string_view field, std::string_view what) {
  return api::invalid_request(fmt::format("Invalid value for '{}': {}.", field, what),
                              std::string(field), "invalid_value");
}

Expected<std::optional<store::Micros>, api::ApiError> usd_field(const rapidjson::Value& v,
                                                                std::string_view field) {
  if (v.IsNull()) return std::optional<store::Micros>{};
  if (!v.IsNumber()) return unexpected(field_error(field, "expected a number or null"));
  const double usd = v.GetDouble();
  if (!std::isfinite(usd) || usd < 0 || usd > kMaxUsd) {
    return unexpected(field_error(field, "expected a non-negative amount in USD"));
  }
  return std::optional<store::Micros>{store::usd_to_micros(usd)};
}

Expected<int64_t, api::ApiError> count_field(const rapidjson::Value& v, std::string_view field) {
  if (!v.IsInt64() || v.GetInt64() < 0) {
    return unexpected(field_error(field, "expected a non-negative integer"));
  }
  return v.GetInt64();
}

Expected<std::string, api::ApiError> text_field(const rapidjson::Value& v, std::string_view field) {
  if (!v.IsString()) return unexpected(field_error(field, "expected a string"));
  if (v.GetStringLength() > kMaxText) return unexpected(field_error(field, "too long"));
  return std::string(v.GetString(), v.GetStringLength());
}

std::string serialize(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  v.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

void write_string(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_usd(Writer& w, store::Micros m) {
  const std::string text = store::format_usd(m);
  w.RawValue(text.data(), text.size(), rapidjson::kNumberType);
}

void write_aggregate(Writer& w, const store::UsageAggregate& a, bool with_group) {
  w.StartObject();
  if (with_group) {
    w.Key("group");
    write_string(w, a.group);
  }
  w.Key("requests");
  w.Int64(a.requests);
  w.Key("errors");
  w.Int64(a.errors);
  w.Key("prompt_tokens");
  w.Int64(a.prompt_tokens);
  w.Key("completion_tokens");
  w.Int64(a.completion_tokens);
  w.Key("cached_tokens");
  w.Int64(a.cached_tokens);
  w.Key("reasoning_tokens");
  w.Int64(a.reasoning_tokens);
  w.Key("cost_usd");
  write_usd(w, a.cost);
  w.Key("cost_micros");
  w.Int64(a.cost);
  w.EndObject();
}

}  // namespace

Expected<KeyPatch, api::ApiError> parse_key_patch(std::string_view body, PatchMode mode) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    return unexpected(api::invalid_request("The request body is not valid JSON."));
  }
  if (!doc.IsObject()) {
    return unexpected(api::invalid_request("The request body must be a JSON object."));
  }
  KeyPatch p;
  for (const auto& member : doc.GetObject()) {
    const std::string_view field(member.name.GetString(), member.name.GetStringLength());
    const rapidjson::Value& v = member.value;
    if (field == "name") {
      auto s = text_field(v, field);
      if (!s) return unexpected(s.error());
      p.name = std::move(*s);
    } else if (field == "models") {
      if (!v.IsArray() || v.Size() > kMaxModels) {
        return unexpected(field_error(field, "expected an array of model names or globs"));
      }
      std::vector<std::string> models;
      for (const auto& m : v.GetArray()) {
        if (!m.IsString() || m.GetStringLength() == 0 || m.GetStringLength() > kMaxText) {
          return unexpected(field_error(field, "expected an array of model names or globs"));
        }
        models.emplace_back(m.GetString(), m.GetStringLength());
      }
      p.models = std::move(models);
    } else if (field == "rpm" || field == "tpm" || field == "max_parallel") {
      auto n = count_field(v, field);
      if (!n) return unexpected(n.error());
      (field == "rpm" ? p.rpm : field == "tpm" ? p.tpm : p.max_parallel) = *n;
    } else if (field == "budget_usd") {
      auto usd = usd_field(v, field);
      if (!usd) return unexpected(usd.error());
      p.budget = *usd;
    } else if (field == "budget_period") {
      const auto period =
          v.IsString() ? store::parse_period({v.GetString(), v.GetStringLength()}) : std::nullopt;
      if (!period) {
        return unexpected(field_error(field, "expected one of daily, weekly, monthly, never"));
      }
      p.budget_period = *period;
    } else if (field == "credits_usd" && mode == PatchMode::kCreate) {
      auto usd = usd_field(v, field);
      if (!usd) return unexpected(usd.error());
      if (*usd) p.initial_credits = **usd;
    } else if (field == "credits_usd") {
      return unexpected(api::invalid_request(
          "credits_usd cannot be set directly; use POST /admin/keys/{id}/credits.", "credits_usd",
          "invalid_value"));
    } else if (field == "expires_at") {
      if (v.IsNull()) {
        p.expires_at_ms = std::optional<int64_t>{};
      } else if (v.IsInt64() && v.GetInt64() >= 0 && v.GetInt64() < (int64_t{1} << 40)) {
        p.expires_at_ms = std::optional<int64_t>{v.GetInt64() * 1000};
      } else {
        return unexpected(field_error(field, "expected unix seconds or null"));
      }
    } else if (field == "metadata") {
      if (v.IsNull()) {
        p.metadata_json = "{}";
      } else if (v.IsObject()) {
        p.metadata_json = serialize(v);
      } else {
        return unexpected(field_error(field, "expected an object"));
      }
    } else {
      return unexpected(
          api::invalid_request(fmt::format("Unrecognized field '{}'.", field.substr(0, kMaxText)),
                               std::string(field.substr(0, kMaxText)), "unknown_parameter"));
    }
  }
  return p;
}

Expected<store::Micros, api::ApiError> parse_amount(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return unexpected(api::invalid_request("The request body must be a JSON object."));
  }
  auto it = doc.FindMember("amount_usd");
  if (it == doc.MemberEnd()) {
    return unexpected(api::invalid_request("Missing required field 'amount_usd'.", "amount_usd",
                                           "missing_required_parameter"));
  }
  for (const auto& member : doc.GetObject()) {
    if (std::string_view(member.name.GetString()) != "amount_usd") {
      return unexpected(api::invalid_request("Unrecognized field.", member.name.GetString(),
                                             "unknown_parameter"));
    }
  }
  auto usd = usd_field(it->value, "amount_usd");
  if (!usd || !*usd || **usd <= 0) {
    return unexpected(field_error("amount_usd", "expected a positive amount in USD"));
  }
  return **usd;
}

std::string record_json(const store::KeyRecord& r, std::string_view secret) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("object");
  w.String("key");
  w.Key("id");
  write_string(w, r.id);
  if (!secret.empty()) {
    w.Key("key");
    write_string(w, secret);
  }
  w.Key("name");
  write_string(w, r.name);
  w.Key("key_prefix");
  write_string(w, r.key_prefix);
  w.Key("models");
  w.StartArray();
  for (const auto& m : r.models) write_string(w, m);
  w.EndArray();
  w.Key("rpm");
  w.Int64(r.rpm);
  w.Key("tpm");
  w.Int64(r.tpm);
  w.Key("max_parallel");
  w.Int64(r.max_parallel);
  w.Key("budget_usd");
  if (r.budget) {
    write_usd(w, *r.budget);
  } else {
    w.Null();
  }
  w.Key("budget_period");
  write_string(w, store::period_name(r.budget_period));
  w.Key("spent_usd");
  write_usd(w, r.spent);
  w.Key("credits_usd");
  if (r.credits) {
    write_usd(w, *r.credits);
  } else {
    w.Null();
  }
  w.Key("expires_at");
  if (r.expires_at_ms) {
    w.Int64(*r.expires_at_ms / 1000);
  } else {
    w.Null();
  }
  w.Key("revoked");
  w.Bool(r.revoked);
  w.Key("metadata");
  w.RawValue(r.metadata_json.data(), r.metadata_json.size(), rapidjson::kObjectType);
  w.Key("created_at");
  w.Int64(r.created_at_ms / 1000);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string usage_json(const store::UsageReport& report, const store::UsageQuery& query) {
  static constexpr std::string_view kGroupNames[] = {"key", "model", "provider", "day"};
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("object");
  w.String("usage");
  w.Key("group_by");
  write_string(w, kGroupNames[static_cast<int>(query.group_by)]);
  w.Key("from");
  w.Int64(query.from_ms / 1000);
  w.Key("to");
  if (query.to_ms == INT64_MAX) {
    w.Null();
  } else {
    w.Int64(query.to_ms / 1000);
  }
  w.Key("data");
  w.StartArray();
  for (const auto& g : report.groups) write_aggregate(w, g, true);
  w.EndArray();
  w.Key("total");
  write_aggregate(w, report.total, false);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::optional<int64_t> parse_time(std::string_view text) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  bool digits = true;
  for (char c : text) digits = digits && c >= '0' && c <= '9';
  if (digits) {
    if (text.size() > 12) return std::nullopt;
    return std::stoll(std::string(text)) * 1000;
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail = 0;
  const std::string t(text);
  int consumed = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10) {
    return std::nullopt;
  }
  if (t.size() > 10) {
    if (std::sscanf(t.c_str() + 10, "T%2d:%2d:%2d%c%n", &h, &mi, &s, &tail, &consumed) != 4 ||
        tail != 'Z' || 10 + consumed != static_cast<int>(t.size())) {
      return std::nullopt;
    }
  }
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  const auto tp = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s};
  return duration_cast<milliseconds>(tp.time_since_epoch()).count();
}

}  // namespace sy::governance
