// The provider and model catalog: known providers (wire format, base URL, auth
// style, key variable) and known models (limits, prices, capabilities and
// parameter quirks), read from catalog/providers.yaml and catalog/models.yaml.
//
// Contract:
// - A Catalog is immutable once built; every method is const and safe to call
//   from any number of threads at once. Pointers and references it returns stay
//   valid as long as the Catalog lives (copying a Catalog copies its data).
// - Catalog::parse never throws: a malformed document yields an error string
//   naming the file, line, field path and what was expected. Unknown keys,
//   duplicate names, negative numbers and models naming an unknown provider are
//   errors.
// - Catalog::builtin() is the catalog embedded into the binary at build time
//   from the two YAML files (src/catalog/CMakeLists.txt); it is parsed on first
//   use (thread-safe static) and aborts the process if the embedded data is
//   invalid, which the catalog tests rule out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/usage.h"
#include "util/expected.h"

namespace sy::catalog {

// Wire format an upstream speaks.
enum class WireFormat { kOpenAI, kAnthropic, kGemini, kAzure, kBedrock };

// How the key is presented upstream.
enum class AuthStyle {
  kBearer,       // Authorization: Bearer <key>
  kXApiKey,      // x-api-key: <key> (Anthropic)
  kApiKey,       // api-key: <key> (Azure OpenAI)
  kXGoogApiKey,  // x-goog-api-key: <key> (Gemini)
  kSigV4,        // AWS Signature Version 4 (Bedrock)
  kNone,         // no credentials (local servers)
};

std::string_view to_string(WireFormat format);
std::string_view to_string(AuthStyle auth);

struct ProviderPreset {
  std::string name;  // key in providers.yaml, e.g. "openai"
  WireFormat format = WireFormat::kOpenAI;
  std::string base_url;  // may hold {fields}, e.g. https://{resource}.openai.azure.com/openai
  AuthStyle auth = AuthStyle::kBearer;
  std::string env;  // variable holding the key, e.g. OPENAI_API_KEY; empty for auth none
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers, in file order
  std::string api_version;  // e.g. Azure's api-version query value; empty when not applicable
  std::string docs;         // URL of the provider's API reference
};

// USD per million tokens.
struct Price {
  double input = 0;
  double output = 0;
  double cached_input = 0;  // equals input when the provider has no cache discount
};

// Request parameters a model treats differently from OpenAI's chat API.
struct Quirks {
  // {from, to}, e.g. {max_tokens, max_completion_tokens}: rename the request parameter.
  std::vector<std::pair<std::string, std::string>> renames;
  std::vector<std::string> rejects;  // parameters the model refuses; drop them
  bool no_system_role = false;       // fold system messages into the first user message
  bool empty() const { return renames.empty() && rejects.empty() && !no_system_role; }
};

enum class Capability : uint32_t {
  kChat = 1u << 0,
  kVision = 1u << 1,
  kTools = 1u << 2,
  kJsonSchema = 1u << 3,
  kReasoning = 1u << 4,
  kAudio = 1u << 5,
  kEmbeddings = 1u << 6,
};

struct Capabilities {
  uint32_t bits = 0;
  bool has(Capability c) const { return (bits & static_cast<uint32_t>(c)) != 0; }
  void add(Capability c) { bits |= static_cast<uint32_t>(c); }
};

// Informational only: routing policies may use it as a default grouping.
enum class TierHint { kMini, kStandard, kReasoning, kLocal };
std::string_view to_string(TierHint tier);

struct ModelInfo {
  std::string name;               // what clients send as "model", unique in the catalog
  std::string provider;           // key of a ProviderPreset
  std::string id;                 // the model's name at the provider; equals name when not given
  int64_t context_window = 0;     // tokens, > 0
  int64_t max_output_tokens = 0;  // tokens, > 0; 0 only for embedding models
  Price price;
  Capabilities capabilities;
  TierHint tier_hint = TierHint::kStandard;
  Quirks quirks;
};

// What a requested model string resolves to (see Catalog::resolve).
struct Resolution {
  const ProviderPreset* provider = nullptr;  // never null in a returned Resolution
  const ModelInfo* model = nullptr;          // null when the model is not catalogued
  std::string upstream_id;                   // the name to send upstream
};

class Catalog {
 public:
  // Builds a catalog from the text of providers.yaml and models.yaml. The
  // labels name the files in error messages ("<label>:<line>: <field>: ...").
  static Expected<Catalog, std::string> parse(std::string_view providers_yaml,
                                              std::string_view models_yaml,
                                              std::string_view providers_label = "providers.yaml",
                                              std::string_view models_label = "models.yaml");

  // The catalog embedded at build time.
  static const Catalog& builtin();

  const ModelInfo* model(std::string_view name) const;
  const ProviderPreset* provider(std::string_view name) const;

  // Resolves what a client put in "model":
  //   1. a catalogued model name ("gpt-4o", "bedrock/claude-3-5-sonnet");
  //   2. "<provider>/<model>" direct addressing: the provider's catalogued model
  //      whose name or id is <model>, or, when none matches, an uncatalogued
  //      pass-through (model == nullptr, upstream_id == <model>).
  // Returns nullopt when neither applies.
  std::optional<Resolution> resolve(std::string_view requested) const;

  // In file order.
  const std::vector<ProviderPreset>& providers() const { return providers_; }
  const std::vector<ModelInfo>& models() const { return models_; }

  // Date the prices were read from the providers' lists ("YYYY-MM-DD") and the
  // page each provider's prices came from.
  const std::string& prices_read_on() const { return prices_read_on_; }
  const std::map<std::string, std::string, std::less<>>& price_sources() const {
    return price_sources_;
  }

 private:
  friend class CatalogBuilder;
  std::vector<ProviderPreset> providers_;
  std::vector<ModelInfo> models_;
  std::map<std::string, size_t, std::less<>> provider_index_;
  std::map<std::string, size_t, std::less<>> model_index_;
  std::string prices_read_on_;
  std::map<std::string, std::string, std::less<>> price_sources_;
};

// Cost in USD of one answer: (prompt - cached) tokens at the input price,
// cached tokens at the cached-input price, completion tokens at the output
// price. Cache-creation tokens are part of prompt_tokens and bill at the input
// price. Negative or inconsistent counts are clamped (cached <= prompt, >= 0).
double cost_usd(const ModelInfo& model, const api::Usage& usage);

// The {fields} in a provider's base_url, in order, e.g. {"resource"}.
std::vector<std::string> base_url_fields(const ProviderPreset& provider);

// base_url with every {field} replaced from `values`; an error names the
// first template field without a value.
Expected<std::string, std::string> expand_base_url(
    const ProviderPreset& provider, const std::map<std::string, std::string, std::less<>>& values);

}  // namespace sy::catalog
