// Catalog::parse: reads providers.yaml and models.yaml with yaml-cpp and checks
// every field. yaml-cpp reports through exceptions; they are caught here and
// turned into one error string, so nothing escapes Catalog::parse.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <set>
#include <string>

#include "catalog/catalog.h"

namespace sy::catalog {
namespace {

// A document larger than this is refused before parsing.
constexpr size_t kMaxDocumentBytes = 4 * 1024 * 1024;

struct ParseError {
  std::string message;
};

int line_of(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  std::string value = node.Scalar();
  if (value.size() > 40) value = value.substr(0, 40) + "...";
  return "\"" + value + "\"";
}

template <class Options>
std::string join(const Options& options) {
  std::string out;
  for (std::string_view o : options) {
    if (!out.empty()) out += ", ";
    out += o;
  }
  return out;
}

// Error reporting and typed field access for one file.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& path,
                         const std::string& what) const {
    std::string where = file_ + ":" + std::to_string(line_of(at));
    throw ParseError{where + ": " + (path.empty() ? "" : path + ": ") + what};
  }

  YAML::Node load(std::string_view text) const {
    if (text.size() > kMaxDocumentBytes) {
      throw ParseError{file_ + ": larger than " + std::to_string(kMaxDocumentBytes) + " bytes"};
    }
    try {
      return YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      throw ParseError{file_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg};
    }
  }

  void expect_map(const YAML::Node& node, const std::string& path) const {
    if (!node.IsMap()) fail(node, path, "expected a mapping, got " + describe(node));
  }

  // Every key of `map` must be a distinct scalar from `allowed`.
  void check_keys(const YAML::Node& map, const std::string& path,
                  std::initializer_list<std::string_view> allowed) const {
    std::set<std::string, std::less<>> seen;
    for (const auto& kv : map) {
      const YAML::Node& key = kv.first;
      if (!key.IsScalar()) fail(key, path, "keys must be plain names, got " + describe(key));
      const std::string& name = key.Scalar();
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        fail(key, path, "unknown key '" + name + "' (expected one of: " + join(allowed) + ")");
      }
      if (!seen.insert(name).second) fail(key, path, "duplicate key '" + name + "'");
    }
  }

  // The value of `key`, or an undefined node when absent.
  static YAML::Node field(const YAML::Node& map, std::string_view key) {
    for (const auto& kv : map) {
      if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
    }
    return YAML::Node(YAML::NodeType::Undefined);
  }

  YAML::Node required(const YAML::Node& map, const std::string& path, std::string_view key,
                      std::string_view kind) const {
    YAML::Node node = field(map, key);
    if (!node.IsDefined()) {
      fail(map, path,
           "missing required field '" + std::string(key) + "' (" + std::string(kind) + ")");
    }
    return node;
  }

  std::string string_value(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar() || node.Scalar().empty()) {
      fail(node, path, "expected a non-empty string, got " + describe(node));
    }
    return node.Scalar();
  }

  std::string required_string(const YAML::Node& map, const std::string& path,
                              std::string_view key) const {
    YAML::Node node = required(map, path, key, "a string");
    return string_value(node, path + "." + std::string(key));
  }

  std::string optional_string(const YAML::Node& map, const std::string& path,
                              std::string_view key) const {
    YAML::Node node = field(map, key);
    if (!node.IsDefined()) return {};
    return string_value(node, path + "." + std::string(key));
  }

  double number_value(const YAML::Node& node, const std::string& path) const {
    double value = 0;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || !std::isfinite(value)) {
      fail(node, path, "expected a number, got " + describe(node));
    }
    if (value < 0) fail(node, path, "expected a non-negative number, got " + node.Scalar());
    return value;
  }

  int64_t positive_integer(const YAML::Node& map, const std::string& path,
                           std::string_view key) const {
    YAML::Node node = required(map, path, key, "a positive integer");
    std::string at = path + "." + std::string(key);
    long long value = 0;
    if (!node.IsScalar() || !YAML::convert<long long>::decode(node, value)) {
      fail(node, at, "expected a positive integer, got " + describe(node));
    }
    if (value <= 0) fail(node, at, "expected a positive integer, got " + node.Scalar());
    return value;
  }

  bool bool_value(const YAML::Node& node, const std::string& path) const {
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      fail(node, path, "expected true or false, got " + describe(node));
    }
    return value;
  }

  std::vector<std::string> string_list(const YAML::Node& node, const std::string& path) const {
    if (!node.IsSequence()) fail(node, path, "expected a list, got " + describe(node));
    std::vector<std::string> out;
    for (size_t i = 0; i < node.size(); ++i) {
      out.push_back(string_value(node[i], path + "[" + std::to_string(i) + "]"));
    }
    return out;
  }

  std::vector<std::pair<std::string, std::string>> string_map(const YAML::Node& node,
                                                              const std::string& path) const {
    expect_map(node, path);
    std::vector<std::pair<std::string, std::string>> out;
    std::set<std::string, std::less<>> seen;
    for (const auto& kv : node) {
      std::string key = string_value(kv.first, path);
      if (!seen.insert(key).second) fail(kv.first, path, "duplicate key '" + key + "'");
      out.emplace_back(key, string_value(kv.second, path + "." + key));
    }
    return out;
  }

  // Maps a scalar onto one of `names` (parallel to `values`).
  template <class T, size_t N>
  T choice(const YAML::Node& node, const std::string& path, const std::string_view (&names)[N],
           const T (&values)[N]) const {
    if (node.IsScalar()) {
      for (size_t i = 0; i < N; ++i) {
        if (node.Scalar() == names[i]) return values[i];
      }
    }
    fail(node, path, "expected one of: " + join(names) + "; got " + describe(node));
  }

 private:
  std::string file_;
};

bool valid_provider_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

bool valid_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

constexpr std::string_view kFormatNames[] = {"openai", "anthropic", "gemini", "azure", "bedrock"};
constexpr WireFormat kFormats[] = {WireFormat::kOpenAI, WireFormat::kAnthropic, WireFormat::kGemini,
                                   WireFormat::kAzure, WireFormat::kBedrock};
constexpr std::string_view kAuthNames[] = {"bearer",         "x-api-key", "api-key",
                                           "x-goog-api-key", "sigv4",     "none"};
constexpr AuthStyle kAuths[] = {AuthStyle::kBearer,      AuthStyle::kXApiKey, AuthStyle::kApiKey,
                                AuthStyle::kXGoogApiKey, AuthStyle::kSigV4,   AuthStyle::kNone};
constexpr std::string_view kCapabilityNames[] = {"chat",      "vision", "tools",     "json_schema",
                                                 "reasoning", "audio",  "embeddings"};
constexpr Capability kCapabilities[] = {
    Capability::kChat,      Capability::kVision, Capability::kTools,     Capability::kJsonSchema,
    Capability::kReasoning, Capability::kAudio,  Capability::kEmbeddings};
constexpr std::string_view kTierNames[] = {"mini", "standard", "reasoning", "local"};
constexpr TierHint kTiers[] = {TierHint::kMini, TierHint::kStandard, TierHint::kReasoning,
                               TierHint::kLocal};

}  // namespace

class CatalogBuilder {
 public:
  void read_providers(std::string_view text, std::string_view label) {
    Reader r{std::string(label)};
    YAML::Node root = r.load(text);
    r.expect_map(root, "");
    r.check_keys(root, "", {"providers"});
    YAML::Node providers = r.required(root, "", "providers", "a mapping of provider presets");
    r.expect_map(providers, "providers");
    if (providers.size() == 0) r.fail(providers, "providers", "no providers listed");
    for (const auto& kv : providers) {
      std::string name = r.string_value(kv.first, "providers");
      std::string path = "providers." + name;
      if (!valid_provider_name(name)) {
        r.fail(kv.first, path, "provider names use only a-z, 0-9, '-' and '_'");
      }
      if (out_.provider_index_.count(name) != 0) {
        r.fail(kv.first, "providers", "duplicate provider '" + name + "'");
      }
      const YAML::Node& node = kv.second;
      r.expect_map(node, path);
      r.check_keys(node, path,
                   {"format", "base_url", "auth", "env", "headers", "api_version", "docs"});
      ProviderPreset p;
      p.name = name;
      p.format = r.choice(r.required(node, path, "format", "a wire format"), path + ".format",
                          kFormatNames, kFormats);
      p.base_url = r.required_string(node, path, "base_url");
      if (p.base_url.rfind("http://", 0) != 0 && p.base_url.rfind("https://", 0) != 0) {
        r.fail(Reader::field(node, "base_url"), path + ".base_url",
               "expected an http:// or https:// URL, got \"" + p.base_url + "\"");
      }
      p.auth = r.choice(r.required(node, path, "auth", "an auth style"), path + ".auth", kAuthNames,
                        kAuths);
      p.env = r.optional_string(node, path, "env");
      if (p.auth != AuthStyle::kNone && p.env.empty()) {
        r.fail(node, path, "missing required field 'env' (the key's environment variable)");
      }
      if (YAML::Node headers = Reader::field(node, "headers"); headers.IsDefined()) {
        p.headers = r.string_map(headers, path + ".headers");
      }
      p.api_version = r.optional_string(node, path, "api_version");
      p.docs = r.required_string(node, path, "docs");
      out_.provider_index_.emplace(name, out_.providers_.size());
      out_.providers_.push_back(std::move(p));
    }
  }

  void read_models(std::string_view text, std::string_view label) {
    Reader r{std::string(label)};
    YAML::Node root = r.load(text);
    r.expect_map(root, "");
    r.check_keys(root, "", {"prices_read_on", "price_sources", "models"});

    out_.prices_read_on_ = r.required_string(root, "", "prices_read_on");
    if (!valid_date(out_.prices_read_on_)) {
      r.fail(Reader::field(root, "prices_read_on"), "prices_read_on",
             "expected a date YYYY-MM-DD, got \"" + out_.prices_read_on_ + "\"");
    }
    YAML::Node sources = r.required(root, "", "price_sources", "a mapping provider -> URL");
    for (auto& [provider, url] : r.string_map(sources, "price_sources")) {
      if (out_.provider_index_.count(provider) == 0) {
        r.fail(sources, "price_sources", "unknown provider '" + provider + "'");
      }
      out_.price_sources_.emplace(provider, url);
    }

    YAML::Node models = r.required(root, "", "models", "a list of models");
    if (!models.IsSequence()) r.fail(models, "models", "expected a list, got " + describe(models));
    for (size_t i = 0; i < models.size(); ++i) {
      read_model(r, models[i], i);
    }
  }

  Catalog take() { return std::move(out_); }

 private:
  void read_model(const Reader& r, const YAML::Node& node, size_t index) {
    std::string path = "models[" + std::to_string(index) + "]";
    r.expect_map(node, path);
    ModelInfo m;
    m.name = r.required_string(node, path, "name");
    path += " (" + m.name + ")";
    r.check_keys(node, path,
                 {"name", "provider", "id", "context_window", "max_output_tokens", "price",
                  "capabilities", "tier_hint", "quirks"});
    if (out_.model_index_.count(m.name) != 0) {
      r.fail(Reader::field(node, "name"), path, "duplicate model name '" + m.name + "'");
    }
    m.provider = r.required_string(node, path, "provider");
    if (out_.provider_index_.count(m.provider) == 0) {
      r.fail(Reader::field(node, "provider"), path + ".provider",
             "unknown provider '" + m.provider + "' (not a key of providers.yaml)");
    }
    m.id = r.optional_string(node, path, "id");
    if (m.id.empty()) m.id = m.name;

    YAML::Node price = r.required(node, path, "price", "a mapping of USD per million tokens");
    std::string price_path = path + ".price";
    r.expect_map(price, price_path);
    r.check_keys(price, price_path, {"input", "output", "cached_input"});
    m.price.input =
        r.number_value(r.required(price, price_path, "input", "a number"), price_path + ".input");
    m.price.output =
        r.number_value(r.required(price, price_path, "output", "a number"), price_path + ".output");
    YAML::Node cached = Reader::field(price, "cached_input");
    m.price.cached_input =
        cached.IsDefined() ? r.number_value(cached, price_path + ".cached_input") : m.price.input;
    if ((m.price.input > 0 || m.price.output > 0) && out_.price_sources_.count(m.provider) == 0) {
      r.fail(price, price_path,
             "provider '" + m.provider + "' has prices but no entry in price_sources");
    }

    YAML::Node caps = r.required(node, path, "capabilities", "a list");
    std::string caps_path = path + ".capabilities";
    if (!caps.IsSequence() || caps.size() == 0) {
      r.fail(caps, caps_path, "expected a non-empty list, got " + describe(caps));
    }
    for (size_t i = 0; i < caps.size(); ++i) {
      m.capabilities.add(r.choice(caps[i], caps_path + "[" + std::to_string(i) + "]",
                                  kCapabilityNames, kCapabilities));
    }
    m.context_window = r.positive_integer(node, path, "context_window");
    // Embedding models produce no tokens: their max_output_tokens may be left out (0).
    if (m.capabilities.has(Capability::kEmbeddings) &&
        !Reader::field(node, "max_output_tokens").IsDefined()) {
      m.max_output_tokens = 0;
    } else {
      m.max_output_tokens = r.positive_integer(node, path, "max_output_tokens");
    }
    m.tier_hint = r.choice(r.required(node, path, "tier_hint", "a tier"), path + ".tier_hint",
                           kTierNames, kTiers);

    if (YAML::Node quirks = Reader::field(node, "quirks"); quirks.IsDefined()) {
      std::string qpath = path + ".quirks";
      r.expect_map(quirks, qpath);
      r.check_keys(quirks, qpath, {"rename", "reject", "no_system_role"});
      if (YAML::Node n = Reader::field(quirks, "rename"); n.IsDefined()) {
        m.quirks.renames = r.string_map(n, qpath + ".rename");
      }
      if (YAML::Node n = Reader::field(quirks, "reject"); n.IsDefined()) {
        m.quirks.rejects = r.string_list(n, qpath + ".reject");
      }
      if (YAML::Node n = Reader::field(quirks, "no_system_role"); n.IsDefined()) {
        m.quirks.no_system_role = r.bool_value(n, qpath + ".no_system_role");
      }
    }
    out_.model_index_.emplace(m.name, out_.models_.size());
    out_.models_.push_back(std::move(m));
  }

  Catalog out_;
};

Expected<Catalog, std::string> Catalog::parse(std::string_view providers_yaml,
                                              std::string_view models_yaml,
                                              std::string_view providers_label,
                                              std::string_view models_label) {
  try {
    CatalogBuilder builder;
    builder.read_providers(providers_yaml, providers_label);
    builder.read_models(models_yaml, models_label);
    return builder.take();
  } catch (const ParseError& e) {
    return unexpected(e.message);
  } catch (const YAML::Exception& e) {
    return unexpected("catalog: " + e.msg);
  }
}

}  // namespace sy::catalog
