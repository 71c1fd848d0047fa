#include "config/loader.h"

#include <fmt/format.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <fstream>
#include <set>
#include <sstream>

#include "config/yaml_reader.h"

namespace sy::config {

const ModelGroup* Config::find_model(std::string_view name) const {
  for (const auto& m : models) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

Expected<std::string, std::string> interpolate_env(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return unexpected(std::string("unterminated ${ in value"));
    }
    std::string_view expr = text.substr(i + 2, close - i - 2);
    std::string_view name = expr, fallback;
    bool has_fallback = false;
    if (auto sep = expr.find(":-"); sep != std::string_view::npos) {
      name = expr.substr(0, sep);
      fallback = expr.substr(sep + 2);
      has_fallback = true;
    }
    if (name.empty()) return unexpected(std::string("empty variable name in ${}"));
    for (char c : name) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
        return unexpected(fmt::format("invalid variable name '{}' in ${{...}}", name));
      }
    }
    const char* value = std::getenv(std::string(name).c_str());
    if (value != nullptr && *value != '\0') {
      out += value;
    } else if (has_fallback) {
      out += fallback;
    } else {
      return unexpected(fmt::format("environment variable {} is not set (write ${{{}:-}} to allow "
                                    "it to be empty)",
                                    name, name));
    }
    i = close + 1;
  }
  return out;
}

namespace {

constexpr std::string_view kFormats[] = {"openai", "anthropic", "gemini", "azure", "bedrock"};

bool known_format(std::string_view t) {
  for (auto f : kFormats) {
    if (f == t) return true;
  }
  return false;
}

void read_listen(YamlReader& r, const YAML::Node& node, ListenOptions& out) {
  auto s = r.string(node, "listen");
  if (!s) return;
  auto colon = s->rfind(':');
  if (colon == std::string::npos) {
    r.error(node, "listen", fmt::format("expected host:port, got '{}'", *s));
    return;
  }
  std::string host = s->substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    std::size_t used = 0;
    port = std::stoi(s->substr(colon + 1), &used);
    if (used != s->size() - colon - 1) port = -1;
  } catch (...) {
    port = -1;
  }
  if (host.empty() || port < 0 || port > 65535) {
    r.error(node, "listen", fmt::format("expected host:port with a port from 0 to 65535, got '{}'", *s));
    return;
  }
  out.host = host;
  out.port = static_cast<uint16_t>(port);
}

template <class T, class F>
void maybe(const YAML::Node& parent, const char* key, T& target, F&& read) {
  if (YAML::Node n = parent[key]; n && !n.IsNull()) {
    if (auto v = read(n)) target = static_cast<T>(*v);
  }
}

void read_limits(YamlReader& r, const YAML::Node& n, ServerLimits& out) {
  if (!r.expect_map(n, "limits",
                    {"max_body_bytes", "max_header_bytes", "header_timeout", "body_timeout",
                     "idle_timeout", "write_timeout", "max_connections"})) {
    return;
  }
  maybe(n, "max_body_bytes", out.max_body_bytes, [&](auto& v) { return r.size(v, "limits.max_body_bytes"); });
  maybe(n, "max_header_bytes", out.max_header_bytes, [&](auto& v) { return r.size(v, "limits.max_header_bytes"); });
  maybe(n, "header_timeout", out.header_timeout, [&](auto& v) { return r.duration(v, "limits.header_timeout"); });
  maybe(n, "body_timeout", out.body_timeout, [&](auto& v) { return r.duration(v, "limits.body_timeout"); });
  maybe(n, "idle_timeout", out.idle_timeout, [&](auto& v) { return r.duration(v, "limits.idle_timeout"); });
  maybe(n, "write_timeout", out.write_timeout, [&](auto& v) { return r.duration(v, "limits.write_timeout"); });
  maybe(n, "max_connections", out.max_connections,
        [&](auto& v) { return r.integer(v, "limits.max_connections", 1, 1'000'000); });
}

void read_upstream(YamlReader& r, const YAML::Node& n, UpstreamOptions& out) {
  if (!r.expect_map(n, "upstream",
                    {"connect_timeout", "first_byte_timeout", "total_timeout",
                     "stream_idle_timeout", "max_response_bytes", "max_idle_per_origin",
                     "pool_idle_timeout"})) {
    return;
  }
  maybe(n, "connect_timeout", out.connect_timeout, [&](auto& v) { return r.duration(v, "upstream.connect_timeout"); });
  maybe(n, "first_byte_timeout", out.first_byte_timeout, [&](auto& v) { return r.duration(v, "upstream.first_byte_timeout"); });
  maybe(n, "total_timeout", out.total_timeout, [&](auto& v) { return r.duration(v, "upstream.total_timeout"); });
  maybe(n, "stream_idle_timeout", out.stream_idle_timeout, [&](auto& v) { return r.duration(v, "upstream.stream_idle_timeout"); });
  maybe(n, "max_response_bytes", out.max_response_bytes, [&](auto& v) { return r.size(v, "upstream.max_response_bytes"); });
  maybe(n, "max_idle_per_origin", out.max_idle_per_origin,
        [&](auto& v) { return r.integer(v, "upstream.max_idle_per_origin", 0, 100'000); });
  maybe(n, "pool_idle_timeout", out.pool_idle_timeout, [&](auto& v) { return r.duration(v, "upstream.pool_idle_timeout"); });
}

// Reads a provider; fields it does not give come from the catalog preset
// named by `preset:` or, failing that, by the provider's own name.
void read_provider(YamlReader& r, const std::string& name, const YAML::Node& n,
                   providers::ProviderSettings& out) {
  std::string path = "providers." + name;
  out.name = name;
  if (n.IsNull()) {
    r.error(n, path, "expected a mapping (write {} to take every setting from the preset)");
    return;
  }
  if (!r.expect_map(n, path,
                    {"type", "preset", "base_url", "api_key", "headers", "api_version", "region",
                     "resource", "access_key_id", "secret_access_key", "session_token"})) {
    return;
  }
  std::string preset_name = name;
  if (YAML::Node p = n["preset"]) {
    if (auto v = r.string(p, path + ".preset")) preset_name = *v;
  }
  const catalog::ProviderPreset* preset = catalog::Catalog::builtin().provider(preset_name);
  if (n["preset"] && preset == nullptr) {
    r.error(n["preset"], path + ".preset", fmt::format("unknown provider preset '{}'", preset_name));
    return;
  }

  if (YAML::Node t = n["type"]) {
    if (auto v = r.string(t, path + ".type")) {
      if (!known_format(*v)) {
        r.error(t, path + ".type",
                fmt::format("unknown wire format '{}' (expected openai, anthropic, gemini, azure or bedrock)", *v));
      } else {
        out.type = *v;
      }
    }
  } else if (preset != nullptr) {
    out.type = std::string(catalog::to_string(preset->format));
  } else {
    r.error(n, path, fmt::format("missing required key 'type' (the wire format, e.g. openai); '{}' is "
                                 "not a known provider preset",
                                 name));
  }
  maybe(n, "region", out.region, [&](auto& v) { return r.string(v, path + ".region"); });
  std::string resource;
  maybe(n, "resource", resource, [&](auto& v) { return r.string(v, path + ".resource"); });
  if (out.region.empty() && out.type == "bedrock") {
    if (const char* env = std::getenv("AWS_REGION"); env && *env) out.region = env;
  }

  std::optional<std::string> base_url;
  YAML::Node b = n["base_url"];
  if (b) {
    base_url = r.string(b, path + ".base_url");
  } else if (preset != nullptr) {
    std::map<std::string, std::string, std::less<>> values;
    if (!out.region.empty()) values["region"] = out.region;
    if (!resource.empty()) values["resource"] = resource;
    auto expanded = catalog::expand_base_url(*preset, values);
    if (!expanded) {
      r.error(n, path, fmt::format("{} (set it, or give base_url)", expanded.error()));
    } else {
      base_url = *expanded;
    }
  } else {
    r.error(n, path, "missing required key 'base_url' (e.g. https://api.openai.com/v1)");
  }
  if (base_url) {
    auto url = upstream::parse_url(*base_url);
    if (!url) {
      r.error(b ? b : n, path + ".base_url", url.error());
    } else {
      out.base = std::move(url.value());
    }
  }

  if (YAML::Node k = n["api_key"]) {
    if (auto v = r.string(k, path + ".api_key")) out.api_key = *v;
  } else if (preset != nullptr && preset->auth != catalog::AuthStyle::kNone &&
             preset->auth != catalog::AuthStyle::kSigV4 && !preset->env.empty()) {
    const char* env = std::getenv(preset->env.c_str());
    if (env == nullptr || *env == '\0') {
      r.error(n, path, fmt::format("no api_key given and {} is not set", preset->env));
    } else {
      out.api_key = env;
    }
  }
  maybe(n, "access_key_id", out.access_key_id, [&](auto& v) { return r.string(v, path + ".access_key_id"); });
  maybe(n, "secret_access_key", out.secret_access_key, [&](auto& v) { return r.string(v, path + ".secret_access_key"); });
  maybe(n, "session_token", out.session_token, [&](auto& v) { return r.string(v, path + ".session_token"); });
  if (out.type == "bedrock") {
    auto from_env = [](std::string& field, const char* var) {
      if (!field.empty()) return;
      if (const char* v = std::getenv(var); v && *v) field = v;
    };
    from_env(out.access_key_id, "AWS_ACCESS_KEY_ID");
    from_env(out.secret_access_key, "AWS_SECRET_ACCESS_KEY");
    from_env(out.session_token, "AWS_SESSION_TOKEN");
    if (out.region.empty()) r.error(n, path, "a bedrock provider needs 'region' (or AWS_REGION)");
    if (out.access_key_id.empty() || out.secret_access_key.empty()) {
      r.error(n, path, "a bedrock provider needs access_key_id and secret_access_key (or "
                       "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
    }
  }

  if (preset != nullptr) {
    out.api_version = preset->api_version;
    for (const auto& h : preset->headers) out.headers.push_back(h);
  }
  maybe(n, "api_version", out.api_version, [&](auto& v) { return r.string(v, path + ".api_version"); });
  if (YAML::Node h = n["headers"]; h && !h.IsNull()) {
    if (!h.IsMap()) {
      r.error(h, path + ".headers", "expected a mapping of header names to values");
    } else {
      for (const auto& kv : h) {
        std::string key = kv.first.Scalar();
        auto v = r.string(kv.second, path + ".headers." + key);
        if (!v) continue;
        std::erase_if(out.headers, [&](const auto& e) { return e.first == key; });
        out.headers.emplace_back(key, *v);
      }
    }
  }
}

// Catalog facts for a deployment: by its upstream name, else the group's.
const catalog::ModelInfo* catalog_info(std::string_view upstream_model, std::string_view group_name) {
  const catalog::Catalog& c = catalog::Catalog::builtin();
  if (const auto* m = c.model(upstream_model)) return m;
  for (const auto& m : c.models()) {
    if (m.id == upstream_model) return &m;
  }
  return c.model(group_name);
}

// `price: {input, output, cached_input}` in USD per million tokens; fields
// not given come from the catalog (cached_input defaults to input).
void read_price(YamlReader& r, const YAML::Node& n, const std::string& path, Deployment& dep) {
  if (!r.expect_map(n, path, {"input", "output", "cached_input"})) return;
  catalog::Price p = dep.info != nullptr ? dep.info->price : catalog::Price{};
  auto number = [&](const char* key, double& out) {
    YAML::Node v = n[key];
    if (!v) return false;
    auto text = r.string(v, path + "." + key);
    if (!text) return false;
    try {
      std::size_t used = 0;
      double d = std::stod(*text, &used);
      if (used != text->size() || d < 0) throw std::invalid_argument("bad");
      out = d;
      return true;
    } catch (...) {
      r.error(v, path + "." + key, fmt::format("expected a non-negative number, got '{}'", *text));
      return false;
    }
  };
  number("input", p.input);
  number("output", p.output);
  if (!number("cached_input", p.cached_input) && dep.info == nullptr) p.cached_input = p.input;
  dep.price = p;
}

void read_models(YamlReader& r, const YAML::Node& n, const Config& cfg, std::vector<ModelGroup>& out) {
  if (!n.IsSequence()) {
    r.error(n, "models", "expected a list of models");
    return;
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const YAML::Node& m = n[i];
    std::string path = fmt::format("models[{}]", i);
    // Routing keys are read by routing::parse_routing (routing/config_parse.h).
    if (!r.expect_map(m, path,
                      {"name", "deployments", "strategy", "fallbacks", "context_window_fallbacks",
                       "content_policy_fallbacks", "retries", "breaker", "hedge_after_ms",
                       "hedge_at_percentile", "queue"})) {
      continue;
    }
    ModelGroup group;
    if (YAML::Node name = m["name"]) {
      if (auto v = r.string(name, path + ".name")) group.name = *v;
      if (!group.name.empty() && !seen.insert(group.name).second) {
        r.error(name, path + ".name", fmt::format("model '{}' is defined twice", group.name));
      }
    } else {
      r.error(m, path, "missing required key 'name' (what clients send as \"model\")");
    }
    YAML::Node deps = m["deployments"];
    if (!deps) {
      // A catalogued model served by its catalogue provider, if configured.
      const catalog::ModelInfo* info = catalog::Catalog::builtin().model(group.name);
      if (info == nullptr) {
        r.error(m, path, fmt::format("model '{}' is not in the catalog: give its deployments", group.name));
      } else if (!cfg.providers.contains(info->provider)) {
        r.error(m, path, fmt::format("model '{}' is served by provider '{}', which is not configured "
                                     "(add it under providers:, or give deployments)",
                                     group.name, info->provider));
      } else {
        group.deployments.push_back({info->provider, info->id, info});
        out.push_back(std::move(group));
      }
      continue;
    }
    if (!deps.IsSequence() || deps.size() == 0) {
      r.error(deps, path + ".deployments", "expected a non-empty list of deployments");
      continue;
    }
    for (std::size_t j = 0; j < deps.size(); ++j) {
      const YAML::Node& d = deps[j];
      std::string dpath = fmt::format("{}.deployments[{}]", path, j);
      if (!r.expect_map(d, dpath, {"provider", "model", "price", "weight", "rpm", "tpm", "max_parallel"})) {
        continue;
      }
      Deployment dep;
      if (YAML::Node p = d["provider"]) {
        if (auto v = r.string(p, dpath + ".provider")) {
          dep.provider = *v;
          if (!cfg.providers.contains(dep.provider)) {
            r.error(p, dpath + ".provider",
                    fmt::format("unknown provider '{}' (define it under providers:)", dep.provider));
          }
        }
      } else {
        r.error(d, dpath, "missing required key 'provider'");
      }
      if (YAML::Node mm = d["model"]) {
        if (auto v = r.string(mm, dpath + ".model")) dep.model = *v;
      } else {
        dep.model = group.name;
      }
      dep.info = catalog_info(dep.model, group.name);
      if (YAML::Node price = d["price"]) read_price(r, price, dpath + ".price", dep);
      group.deployments.push_back(std::move(dep));
    }
    out.push_back(std::move(group));
  }
}

}  // namespace

Expected<Config, std::string> load_from_string(std::string_view yaml, std::string_view source) {
  Config cfg;
  cfg.source = std::string(source);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    return unexpected(fmt::format("{}:{}:{}: invalid YAML: {}", source, e.mark.line + 1,
                                  e.mark.column + 1, e.msg));
  }
  YamlReader r{std::string(source)};
  if (!root || root.IsNull()) return unexpected(fmt::format("{}: the configuration is empty", source));
  if (!r.expect_map(root, "", {"listen", "workers", "log_level", "limits", "upstream", "shutdown",
                               "providers", "models", "unsupported_params", "admin_key",
                               "require_keys", "store", "ledger", "counters",
                               "on_counter_failure", "replicas", "reservation_ttl", "access_log",
                               "routing", "policies"})) {
    return unexpected(r.errors().front());
  }
  if (YAML::Node n = root["listen"]) read_listen(r, n, cfg.listen);
  maybe(root, "workers", cfg.workers, [&](auto& v) { return r.integer(v, "workers", 0, 1024); });
  if (YAML::Node n = root["log_level"]) {
    if (auto v = r.string(n, "log_level")) {
      static const std::set<std::string> kLevels{"trace", "debug", "info", "warn", "error", "off"};
      if (!kLevels.contains(*v)) {
        r.error(n, "log_level", fmt::format("expected trace, debug, info, warn, error or off, got '{}'", *v));
      } else {
        cfg.log_level = *v;
      }
    }
  }
  if (YAML::Node n = root["limits"]) read_limits(r, n, cfg.limits);
  if (YAML::Node n = root["upstream"]) read_upstream(r, n, cfg.upstream);
  if (YAML::Node n = root["shutdown"]) {
    if (r.expect_map(n, "shutdown", {"drain_timeout"})) {
      maybe(n, "drain_timeout", cfg.drain_timeout, [&](auto& v) { return r.duration(v, "shutdown.drain_timeout"); });
    }
  }
  if (YAML::Node n = root["unsupported_params"]) {
    if (auto v = r.string(n, "unsupported_params")) {
      if (*v == "drop") {
        cfg.unsupported_params = Config::UnsupportedParams::kDrop;
      } else if (*v == "reject") {
        cfg.unsupported_params = Config::UnsupportedParams::kReject;
      } else {
        r.error(n, "unsupported_params", fmt::format("expected drop or reject, got '{}'", *v));
      }
    }
  }
  maybe(root, "admin_key", cfg.admin_key, [&](auto& v) { return r.string(v, "admin_key"); });
  if (!cfg.admin_key.empty() && cfg.admin_key.size() < 16) {
    r.error(root["admin_key"], "admin_key", "must be at least 16 characters long");
  }
  maybe(root, "require_keys", cfg.require_keys, [&](auto& v) { return r.boolean(v, "require_keys"); });
  if (YAML::Node n = root["store"]) {
    if (auto v = r.string(n, "store")) {
      if (v->rfind("sqlite://", 0) != 0 && v->rfind("postgres://", 0) != 0 &&
          v->rfind("postgresql://", 0) != 0) {
        r.error(n, "store", fmt::format("expected sqlite://PATH or postgres://..., got '{}'", *v));
      } else {
        cfg.store = *v;
      }
    }
  }
  if (YAML::Node n = root["ledger"]) {
    if (r.expect_map(n, "ledger", {"flush_interval", "spool"})) {
      maybe(n, "flush_interval", cfg.ledger_flush_interval,
            [&](auto& v) { return r.duration(v, "ledger.flush_interval"); });
      maybe(n, "spool", cfg.ledger_spool, [&](auto& v) { return r.string(v, "ledger.spool"); });
    }
  }
  if (YAML::Node n = root["counters"]) {
    if (auto v = r.string(n, "counters")) {
      if (*v != "memory" && v->rfind("redis://", 0) != 0) {
        r.error(n, "counters", fmt::format("expected memory or redis://host:port/db, got '{}'", *v));
      } else {
        cfg.counters = *v;
      }
    }
  }
  if (YAML::Node n = root["on_counter_failure"]) {
    if (auto v = r.string(n, "on_counter_failure")) {
      if (*v == "open" || *v == "closed") {
        cfg.counters_fail_closed = *v == "closed";
      } else {
        r.error(n, "on_counter_failure", fmt::format("expected open or closed, got '{}'", *v));
      }
    }
  }
  if (YAML::Node n = root["access_log"]) {
    if (r.expect_map(n, "access_log", {"path", "include_text"})) {
      maybe(n, "path", cfg.access_log_path, [&](auto& v) { return r.string(v, "access_log.path"); });
      maybe(n, "include_text", cfg.access_log_text,
            [&](auto& v) { return r.boolean(v, "access_log.include_text"); });
    }
  }
  maybe(root, "replicas", cfg.replicas, [&](auto& v) { return r.integer(v, "replicas", 1, 10'000); });
  maybe(root, "reservation_ttl", cfg.reservation_ttl,
        [&](auto& v) { return r.duration(v, "reservation_ttl"); });
  {
    // A reservation must outlive the longest request, or its settle finds
    // nothing to settle and the charge never reaches the shared balance.
    // Checked with Redis counters (the only ones that expire reservations)
    // or when the key is set.
    constexpr Millis kMaxTtl{7LL * 24 * 3600 * 1000};
    const YAML::Node n = root["reservation_ttl"];
    const YAML::Node where = n ? n : root;
    if (n && (cfg.reservation_ttl < Millis{1000} || cfg.reservation_ttl > kMaxTtl)) {
      r.error(n, "reservation_ttl", "must be between 1s and 7 days");
    } else if ((n || cfg.counters.rfind("redis://", 0) == 0) &&
               cfg.reservation_ttl <= cfg.upstream.total_timeout) {
      r.error(where, "reservation_ttl",
              fmt::format("must be longer than upstream.total_timeout ({} ms): a reservation "
                          "must outlive the longest request (default 15m)",
                          cfg.upstream.total_timeout.count()));
    }
  }
  if (YAML::Node n = root["providers"]) {
    if (!n.IsMap()) {
      r.error(n, "providers", "expected a mapping of provider names to settings");
    } else {
      for (const auto& kv : n) {
        std::string name = kv.first.Scalar();
        read_provider(r, name, kv.second, cfg.providers[name]);
      }
    }
  }
  if (YAML::Node n = root["models"]) read_models(r, n, cfg, cfg.models);
  if (!r.errors().empty()) return unexpected(r.joined_errors());
  return cfg;
}

Expected<Config, std::string> load_from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(fmt::format("{}: cannot open the configuration file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return load_from_string(ss.str(), path);
}

Config embedded_default(uint16_t emulator_port) {
  Config cfg;
  cfg.source = "<embedded>";
  auto add = [&](std::string provider, std::string type, std::string base_url, std::string key,
                 std::initializer_list<std::pair<const char*, const char*>> models) {
    providers::ProviderSettings p;
    p.name = provider;
    p.type = std::move(type);
    p.base = upstream::parse_url(base_url).value();
    p.api_key = std::move(key);
    cfg.providers[provider] = std::move(p);
    for (auto [alias, upstream_name] : models) {
      cfg.models.push_back({alias, {{provider, upstream_name, catalog_info(upstream_name, alias)}}});
    }
  };
  if (const char* key = std::getenv("OPENAI_API_KEY"); key && *key) {
    add("openai", "openai", "https://api.openai.com/v1", key,
        {{"gpt-4o", "gpt-4o"}, {"gpt-4o-mini", "gpt-4o-mini"},
         {"text-embedding-3-small", "text-embedding-3-small"}});
  }
  if (cfg.providers.empty()) {
    cfg.embedded_emulator = true;
    add("emulator", "openai", fmt::format("http://127.0.0.1:{}/v1", emulator_port), "emulator-key",
        {{"gpt-4o", "gpt-4o"}, {"gpt-4o-mini", "gpt-4o-mini"},
         {"text-embedding-3-small", "text-embedding-3-small"}, {"llama-local", "llama-3.1-8b"}});
  }
  return cfg;
}

}  // namespace sy::config
