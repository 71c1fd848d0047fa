#include "governance/admin.h"

#include <string_view>
#include <vector>

#include "governance/admin_json.h"
#include "governance/authenticate.h"
#include "governance/secret.h"

namespace sy::governance {
namespace {

AdminResponse json(int status, std::string body) {
  return {status, std::move(body), {{"content-type", "application/json"}}};
}

AdminResponse error(const api::ApiError& e) { return json(e.status, api::error_body(e)); }

AdminResponse method_not_allowed(std::string_view allow) {
  api::ApiError e{405, "invalid_request_error", "method_not_allowed", "",
                  "Method not allowed for this path."};
  AdminResponse r = error(e);
  r.headers.emplace_back("allow", std::string(allow));
  return r;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() + 0 && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Value of `name` in an x-www-form-urlencoded query; nullopt when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

AdminResponse usage(const AdminRequest& req, AdminContext& ctx) {
  store::UsageQuery q;
  if (auto from = query_param(req.query, "from"); from && !from->empty()) {
    auto t = parse_time(*from);
    if (!t) return error(api::invalid_request("Invalid 'from' time.", "from", "invalid_value"));
    q.from_ms = *t;
  }
  if (auto to = query_param(req.query, "to"); to && !to->empty()) {
    auto t = parse_time(*to);
    if (!t) return error(api::invalid_request("Invalid 'to' time.", "to", "invalid_value"));
    q.to_ms = *t;
  }
  if (auto g = query_param(req.query, "group_by"); g && !g->empty()) {
    if (*g == "key") {
      q.group_by = store::GroupBy::kKey;
    } else if (*g == "model") {
      q.group_by = store::GroupBy::kModel;
    } else if (*g == "provider") {
      q.group_by = store::GroupBy::kProvider;
    } else if (*g == "day") {
      q.group_by = store::GroupBy::kDay;
    } else {
      return error(api::invalid_request("group_by must be one of key, model, provider, day.",
                                        "group_by", "invalid_value"));
    }
  }
  if (auto key = query_param(req.query, "key_id")) q.key_id = *key;
  auto report = ctx.ledger.usage(q);
  if (!report) return error(to_api_error(report.error()));
  return json(200, usage_json(*report, q));
}

AdminResponse keys_collection(const AdminRequest& req, AdminContext& ctx) {
  if (req.method == "POST") {
    auto patch = parse_key_patch(req.body, PatchMode::kCreate);
    if (!patch) return error(patch.error());
    auto created = ctx.keys.create(*patch);
    if (!created) return error(created.error());
    return json(201, record_json(created->record, created->secret));
  }
  if (req.method == "GET") {
    auto all = ctx.keys.list();
    if (!all) return error(all.error());
    std::string body = R"({"object":"list","data":[)";
    for (size_t i = 0; i < all->size(); ++i) {
      if (i > 0) body += ',';
      body += record_json((*all)[i]);
    }
    body += "]}";
    return json(200, std::move(body));
  }
  return method_not_allowed("GET, POST");
}

AdminResponse one_key(const AdminRequest& req, AdminContext& ctx, const std::string& id) {
  Expected<store::KeyRecord, api::ApiError> result = unexpected(api::not_found("No such key."));
  if (req.method == "GET") {
    result = ctx.keys.get(id);
  } else if (req.method == "PATCH") {
    auto patch = parse_key_patch(req.body, PatchMode::kUpdate);
    if (!patch) return error(patch.error());
    result = ctx.keys.update(id, *patch);
  } else if (req.method == "DELETE") {
    result = ctx.keys.revoke(id);
  } else {
    return method_not_allowed("GET, PATCH, DELETE");
  }
  if (!result) return error(result.error());
  return json(200, record_json(*result));
}

AdminResponse credits(const AdminRequest& req, AdminContext& ctx, const std::string& id) {
  if (req.method != "POST") return method_not_allowed("POST");
  auto amount = parse_amount(req.body);
  if (!amount) return error(amount.error());
  auto result = ctx.keys.top_up(id, *amount);
  if (!result) return error(result.error());
  return json(200, record_json(*result));
}

}  // namespace

AdminResponse handle_admin(const AdminRequest& req, AdminContext& ctx) {
  const std::string_view presented = bearer_token(req.authorization);
  if (ctx.admin_key.empty() || presented.empty() ||
      !constant_time_equal(presented, ctx.admin_key)) {
    return error(api::unauthorized("A valid admin key is required."));
  }
  if (req.body.size() > kMaxAdminBodyBytes) {
    return error(api::payload_too_large(kMaxAdminBodyBytes));
  }
  const auto parts = split_path(req.path);
  if (parts.size() >= 2 && parts[0] == "admin") {
    if (parts[1] == "keys") {
      if (parts.size() == 2) return keys_collection(req, ctx);
      const std::string id(parts[2].substr(0, 128));
      if (parts.size() == 3) return one_key(req, ctx, id);
      if (parts.size() == 4 && parts[3] == "credits") return credits(req, ctx, id);
    } else if (parts[1] == "usage" && parts.size() == 2) {
      if (req.method != "GET") return method_not_allowed("GET");
      return usage(req, ctx);
    }
  }
  return error(api::not_found("Unknown admin endpoint."));
}

}  // namespace sy::governance
