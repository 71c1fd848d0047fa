// The catalog embedded at build time: it parses, is large enough, is
// consistent, and holds the models and quirks the gateway relies on.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "catalog/catalog.h"

namespace sy::catalog {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(BuiltinCatalog, MatchesTheFilesInTheSourceTree) {
  std::string providers = read_file(std::string(SWITCHYARD_SOURCE_DIR) + "/catalog/providers.yaml");
  std::string models = read_file(std::string(SWITCHYARD_SOURCE_DIR) + "/catalog/models.yaml");
  ASSERT_FALSE(providers.empty());
  ASSERT_FALSE(models.empty());
  auto parsed = Catalog::parse(providers, models);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->models().size(), Catalog::builtin().models().size());
  EXPECT_EQ(parsed->providers().size(), Catalog::builtin().providers().size());
}

TEST(BuiltinCatalog, HasAtLeastTwentyProvidersAndSixtyModels) {
  const Catalog& c = Catalog::builtin();
  EXPECT_GE(c.providers().size(), 20u);
  EXPECT_GE(c.models().size(), 60u);
}

TEST(BuiltinCatalog, EveryModelsProviderExists) {
  const Catalog& c = Catalog::builtin();
  for (const ModelInfo& m : c.models()) {
    EXPECT_NE(c.provider(m.provider), nullptr) << m.name << " -> " << m.provider;
    EXPECT_FALSE(m.id.empty()) << m.name;
    EXPECT_GT(m.context_window, 0) << m.name;
    if (!m.capabilities.has(Capability::kEmbeddings)) {
      EXPECT_GT(m.max_output_tokens, 0) << m.name;
    }
    EXPECT_GE(m.price.input, 0) << m.name;
    EXPECT_GE(m.price.output, 0) << m.name;
    EXPECT_GE(m.price.cached_input, 0) << m.name;
    EXPECT_LE(m.price.cached_input, m.price.input) << m.name;
  }
}

TEST(BuiltinCatalog, ModelsUseManyProviders) {
  std::set<std::string> used;
  for (const ModelInfo& m : Catalog::builtin().models()) used.insert(m.provider);
  EXPECT_GE(used.size(), 20u);
}

TEST(BuiltinCatalog, RequiredModelsArePresent) {
  const Catalog& c = Catalog::builtin();
  const char* required[] = {"gpt-4o",
                            "gpt-4o-mini",
                            "gpt-4.1",
                            "gpt-4.1-mini",
                            "gpt-4.1-nano",
                            "o1",
                            "o1-mini",
                            "o3-mini",
                            "claude-3-5-haiku-latest",
                            "claude-3-5-sonnet-latest",
                            "claude-3-7-sonnet-latest",
                            "claude-haiku-4-latest",
                            "claude-sonnet-4-latest",
                            "claude-opus-4-latest",
                            "gemini-1.5-pro",
                            "gemini-1.5-flash",
                            "gemini-2.0-pro",
                            "gemini-2.0-flash",
                            "gemini-2.5-pro",
                            "gemini-2.5-flash",
                            "mistral-large-latest",
                            "mistral-small-latest",
                            "llama-3.3-70b-versatile",
                            "llama-3.1-8b-instant",
                            "deepseek-chat",
                            "deepseek-reasoner",
                            "text-embedding-3-small",
                            "text-embedding-3-large",
                            "bedrock/claude-3-5-sonnet",
                            "bedrock/llama3-3-70b",
                            "together/llama-3.3-70b-instruct-turbo",
                            "fireworks/llama-v3p3-70b-instruct",
                            "ollama/llama3.2"};
  for (const char* name : required) {
    EXPECT_NE(c.model(name), nullptr) << name;
  }
  EXPECT_EQ(c.model("bedrock/claude-3-5-sonnet")->id, "anthropic.claude-3-5-sonnet-20240620-v1:0");
  EXPECT_EQ(c.model("llama-3.3-70b-versatile")->provider, "groq");
  EXPECT_EQ(c.model("ollama/llama3.2")->tier_hint, TierHint::kLocal);
  EXPECT_TRUE(c.model("text-embedding-3-small")->capabilities.has(Capability::kEmbeddings));
  EXPECT_TRUE(c.model("gpt-4o")->capabilities.has(Capability::kVision));
  EXPECT_FALSE(c.model("gpt-4o")->capabilities.has(Capability::kReasoning));
}

TEST(BuiltinCatalog, RequiredProvidersHaveTheirPresets) {
  const Catalog& c = Catalog::builtin();
  const ProviderPreset* anthropic = c.provider("anthropic");
  ASSERT_NE(anthropic, nullptr);
  EXPECT_EQ(anthropic->format, WireFormat::kAnthropic);
  EXPECT_EQ(anthropic->auth, AuthStyle::kXApiKey);
  EXPECT_EQ(anthropic->env, "ANTHROPIC_API_KEY");
  ASSERT_EQ(anthropic->headers.size(), 1u);
  EXPECT_EQ(anthropic->headers[0].first, "anthropic-version");
  EXPECT_EQ(anthropic->headers[0].second, "2023-06-01");

  const ProviderPreset* ollama = c.provider("ollama");
  ASSERT_NE(ollama, nullptr);
  EXPECT_EQ(ollama->base_url, "http://127.0.0.1:11434/v1");
  EXPECT_EQ(ollama->auth, AuthStyle::kNone);
  EXPECT_TRUE(ollama->env.empty());

  const ProviderPreset* azure = c.provider("azure");
  ASSERT_NE(azure, nullptr);
  EXPECT_EQ(azure->format, WireFormat::kAzure);
  EXPECT_EQ(azure->auth, AuthStyle::kApiKey);
  EXPECT_FALSE(azure->api_version.empty());
  EXPECT_EQ(base_url_fields(*azure), std::vector<std::string>{"resource"});

  const ProviderPreset* bedrock = c.provider("bedrock");
  ASSERT_NE(bedrock, nullptr);
  EXPECT_EQ(bedrock->auth, AuthStyle::kSigV4);
  EXPECT_EQ(base_url_fields(*bedrock), std::vector<std::string>{"region"});

  for (const char* name : {"openai", "gemini", "mistral", "groq", "deepseek", "together",
                           "fireworks", "xai", "perplexity", "openrouter", "cerebras", "cohere",
                           "deepinfra", "vllm", "llamacpp", "lmstudio"}) {
    EXPECT_NE(c.provider(name), nullptr) << name;
  }
  EXPECT_EQ(c.provider("llamacpp")->base_url, "http://127.0.0.1:8080/v1");
  EXPECT_EQ(c.provider("vllm")->base_url, "http://127.0.0.1:8000/v1");
  EXPECT_EQ(c.provider("lmstudio")->base_url, "http://127.0.0.1:1234/v1");
  EXPECT_EQ(c.provider("gemini")->auth, AuthStyle::kXGoogApiKey);
}

TEST(BuiltinCatalog, EveryPricedProviderNamesItsPriceSource) {
  const Catalog& c = Catalog::builtin();
  EXPECT_EQ(c.prices_read_on(), "2026-11-25");
  for (const ModelInfo& m : c.models()) {
    if (m.price.input > 0 || m.price.output > 0) {
      EXPECT_EQ(c.price_sources().count(m.provider), 1u) << m.provider;
    }
  }
}

TEST(BuiltinCatalog, O1MiniQuirks) {
  const ModelInfo* m = Catalog::builtin().model("o1-mini");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->quirks.no_system_role);
  ASSERT_EQ(m->quirks.renames.size(), 1u);
  EXPECT_EQ(m->quirks.renames[0].first, "max_tokens");
  EXPECT_EQ(m->quirks.renames[0].second, "max_completion_tokens");
  const auto& r = m->quirks.rejects;
  for (const char* p : {"temperature", "top_p", "presence_penalty", "frequency_penalty"}) {
    EXPECT_NE(std::find(r.begin(), r.end(), p), r.end()) << p;
  }
  EXPECT_TRUE(m->capabilities.has(Capability::kReasoning));
  EXPECT_FALSE(m->capabilities.has(Capability::kTools));
}

TEST(BuiltinCatalog, OSeriesShareQuirksButKeepTheSystemRole) {
  for (const char* name : {"o1", "o3-mini", "o3", "o4-mini"}) {
    const ModelInfo* m = Catalog::builtin().model(name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_FALSE(m->quirks.no_system_role) << name;
    ASSERT_EQ(m->quirks.renames.size(), 1u) << name;
    EXPECT_EQ(m->quirks.renames[0].second, "max_completion_tokens") << name;
    EXPECT_NE(std::find(m->quirks.rejects.begin(), m->quirks.rejects.end(), "temperature"),
              m->quirks.rejects.end())
        << name;
  }
  EXPECT_TRUE(Catalog::builtin().model("gpt-4o")->quirks.empty());
}

}  // namespace
}  // namespace sy::catalog
