// Catalog lookups, model-string resolution, cost arithmetic and base-URL
// templates. Parsing lives in parse.cc, the embedded copy in builtin.cc.
#include "catalog/catalog.h"

#include <algorithm>

namespace sy::catalog {

std::string_view to_string(WireFormat format) {
  switch (format) {
    case WireFormat::kOpenAI:
      return "openai";
    case WireFormat::kAnthropic:
      return "anthropic";
    case WireFormat::kGemini:
      return "gemini";
    case WireFormat::kAzure:
      return "azure";
    case WireFormat::kBedrock:
      return "bedrock";
  }
  return "unknown";
}

std::string_view to_string(AuthStyle auth) {
  switch (auth) {
    case AuthStyle::kBearer:
      return "bearer";
    case AuthStyle::kXApiKey:
      return "x-api-key";
    case AuthStyle::kApiKey:
      return "api-key";
    case AuthStyle::kXGoogApiKey:
      return "x-goog-api-key";
    case AuthStyle::kSigV4:
      return "sigv4";
    case AuthStyle::kNone:
      return "none";
  }
  return "unknown";
}

std::string_view to_string(TierHint tier) {
  switch (tier) {
    case TierHint::kMini:
      return "mini";
    case TierHint::kStandard:
      return "standard";
    case TierHint::kReasoning:
      return "reasoning";
    case TierHint::kLocal:
      return "local";
  }
  return "unknown";
}

const ModelInfo* Catalog::model(std::string_view name) const {
  auto it = model_index_.find(name);
  return it == model_index_.end() ? nullptr : &models_[it->second];
}

const ProviderPreset* Catalog::provider(std::string_view name) const {
  auto it = provider_index_.find(name);
  return it == provider_index_.end() ? nullptr : &providers_[it->second];
}

std::optional<Resolution> Catalog::resolve(std::string_view requested) const {
  if (const ModelInfo* m = model(requested)) {
    return Resolution{provider(m->provider), m, m->id};
  }
  size_t slash = requested.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == requested.size()) {
    return std::nullopt;
  }
  const ProviderPreset* p = provider(requested.substr(0, slash));
  if (p == nullptr) return std::nullopt;
  std::string_view rest = requested.substr(slash + 1);
  // Prefer a name match over an id match so that aliases keep their meaning.
  for (const ModelInfo& m : models_) {
    if (m.provider == p->name && m.name == rest) return Resolution{p, &m, m.id};
  }
  for (const ModelInfo& m : models_) {
    if (m.provider == p->name && m.id == rest) return Resolution{p, &m, m.id};
  }
  return Resolution{p, nullptr, std::string(rest)};
}

double cost_usd(const ModelInfo& model, const api::Usage& usage) {
  const double prompt = static_cast<double>(std::max<int64_t>(usage.prompt_tokens, 0));
  const double cached =
      std::min(prompt, static_cast<double>(std::max<int64_t>(usage.cached_tokens, 0)));
  const double completion = static_cast<double>(std::max<int64_t>(usage.completion_tokens, 0));
  const Price& p = model.price;
  return ((prompt - cached) * p.input + cached * p.cached_input + completion * p.output) / 1e6;
}

std::vector<std::string> base_url_fields(const ProviderPreset& provider) {
  std::vector<std::string> names;
  const std::string& url = provider.base_url;
  size_t pos = 0;
  while ((pos = url.find('{', pos)) != std::string::npos) {
    size_t end = url.find('}', pos);
    if (end == std::string::npos) break;
    names.push_back(url.substr(pos + 1, end - pos - 1));
    pos = end + 1;
  }
  return names;
}

Expected<std::string, std::string> expand_base_url(
    const ProviderPreset& provider, const std::map<std::string, std::string, std::less<>>& values) {
  const std::string& url = provider.base_url;
  std::string out;
  out.reserve(url.size());
  size_t pos = 0;
  while (pos < url.size()) {
    size_t open = url.find('{', pos);
    if (open == std::string::npos) {
      out.append(url, pos, std::string::npos);
      break;
    }
    size_t close = url.find('}', open);
    if (close == std::string::npos) {
      return unexpected("provider '" + provider.name + "': unclosed '{' in base_url");
    }
    out.append(url, pos, open - pos);
    std::string_view name(url.data() + open + 1, close - open - 1);
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) {
      return unexpected("provider '" + provider.name + "': base_url needs a value for {" +
                        std::string(name) + "}");
    }
    out += it->second;
    pos = close + 1;
  }
  return out;
}

}  // namespace sy::catalog
