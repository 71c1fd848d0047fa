// Catalog::parse on small hand-written documents: what is accepted, and that
// every rejection names the file, the line and the field.
#include <gtest/gtest.h>

#include <string>

#include "catalog/catalog.h"

namespace sy::catalog {
namespace {

constexpr const char* kProviders = R"(providers:
  openai:
    format: openai
    base_url: https://api.openai.com/v1
    auth: bearer
    env: OPENAI_API_KEY
    docs: https://example.test/openai
  local:
    format: openai
    base_url: http://127.0.0.1:11434/v1
    auth: none
    docs: https://example.test/local
)";

// Line numbers below refer to this layout: the model starts on line 5.
std::string models_with(const std::string& model_body) {
  return "prices_read_on: \"2026-11-25\"\n"
         "price_sources:\n"
         "  openai: https://example.test/pricing\n"
         "models:\n" +
         model_body;
}

constexpr const char* kGoodModel = R"(  - name: gpt-4o
    provider: openai
    context_window: 128000
    max_output_tokens: 16384
    price: {input: 2.5, output: 10, cached_input: 1.25}
    capabilities: [chat, vision, tools, json_schema]
    tier_hint: standard
)";

std::string parse_error(const std::string& providers, const std::string& models) {
  auto parsed = Catalog::parse(providers, models);
  EXPECT_FALSE(parsed) << "expected a parse error";
  return parsed ? std::string() : parsed.error();
}

TEST(Parse, AcceptsAMinimalCatalog) {
  auto parsed = Catalog::parse(kProviders, models_with(kGoodModel));
  ASSERT_TRUE(parsed) << parsed.error();
  const ModelInfo* m = parsed->model("gpt-4o");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->id, "gpt-4o");
  EXPECT_EQ(m->context_window, 128000);
  EXPECT_DOUBLE_EQ(m->price.cached_input, 1.25);
  EXPECT_TRUE(m->capabilities.has(Capability::kJsonSchema));
  EXPECT_FALSE(m->capabilities.has(Capability::kReasoning));
  EXPECT_EQ(parsed->providers().size(), 2u);
  EXPECT_EQ(parsed->providers()[1].name, "local");
}

TEST(Parse, CachedInputDefaultsToInput) {
  auto parsed = Catalog::parse(kProviders, models_with(R"(  - name: m
    provider: openai
    context_window: 10
    max_output_tokens: 5
    price: {input: 3, output: 4}
    capabilities: [chat]
    tier_hint: mini
)"));
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_DOUBLE_EQ(parsed->model("m")->price.cached_input, 3.0);
}

TEST(Parse, ReadsQuirks) {
  auto parsed = Catalog::parse(kProviders, models_with(R"(  - name: o1-mini
    provider: openai
    context_window: 128000
    max_output_tokens: 65536
    price: {input: 1.1, output: 4.4}
    capabilities: [chat, reasoning]
    tier_hint: reasoning
    quirks:
      rename: {max_tokens: max_completion_tokens}
      reject: [temperature, top_p]
      no_system_role: true
)"));
  ASSERT_TRUE(parsed) << parsed.error();
  const Quirks& q = parsed->model("o1-mini")->quirks;
  EXPECT_TRUE(q.no_system_role);
  ASSERT_EQ(q.renames.size(), 1u);
  EXPECT_EQ(q.renames[0],
            (std::pair<std::string, std::string>{"max_tokens", "max_completion_tokens"}));
  EXPECT_EQ(q.rejects, (std::vector<std::string>{"temperature", "top_p"}));
}

TEST(ParseErrors, UnknownModelKeyNamesLineAndKey) {
  std::string e = parse_error(kProviders, models_with(R"(  - name: gpt-4o
    provider: openai
    context_window: 128000
    max_output_tokens: 16384
    price: {input: 2.5, output: 10}
    capabilities: [chat]
    tier_hint: standard
    temprature: 0.5
)"));
  EXPECT_NE(e.find("models.yaml:12:"), std::string::npos) << e;
  EXPECT_NE(e.find("models[0] (gpt-4o)"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'temprature'"), std::string::npos) << e;
}

TEST(ParseErrors, UnknownProviderKey) {
  std::string providers = std::string(kProviders) +
                          "  extra:\n    format: openai\n"
                          "    base_url: https://x.test\n    auth: bearer\n    env: X\n"
                          "    docs: https://x.test\n    colour: blue\n";
  std::string e = parse_error(providers, models_with(kGoodModel));
  EXPECT_NE(e.find("providers.yaml:19:"), std::string::npos) << e;
  EXPECT_NE(e.find("providers.extra"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'colour'"), std::string::npos) << e;
}

TEST(ParseErrors, WrongTypeNamesLineFieldAndExpectation) {
  std::string e = parse_error(kProviders, models_with(R"(  - name: gpt-4o
    provider: openai
    context_window: lots
    max_output_tokens: 16384
    price: {input: 2.5, output: 10}
    capabilities: [chat]
    tier_hint: standard
)"));
  EXPECT_NE(e.find("models.yaml:7:"), std::string::npos) << e;
  EXPECT_NE(e.find("models[0] (gpt-4o).context_window"), std::string::npos) << e;
  EXPECT_NE(e.find("expected a positive integer"), std::string::npos) << e;
  EXPECT_NE(e.find("\"lots\""), std::string::npos) << e;
}

TEST(ParseErrors, PriceMustBeANumber) {
  std::string e = parse_error(kProviders, models_with(R"(  - name: gpt-4o
    provider: openai
    context_window: 128000
    max_output_tokens: 16384
    price:
      input: [2.5]
      output: 10
    capabilities: [chat]
    tier_hint: standard
)"));
  EXPECT_NE(e.find("models.yaml:10:"), std::string::npos) << e;
  EXPECT_NE(e.find("price.input: expected a number, got a list"), std::string::npos) << e;
}

TEST(ParseErrors, NegativePrice) {
  std::string e = parse_error(kProviders, models_with(R"(  - name: gpt-4o
    provider: openai
    context_window: 128000
    max_output_tokens: 16384
    price: {input: 2.5, output: -1}
    capabilities: [chat]
    tier_hint: standard
)"));
  EXPECT_NE(e.find("models.yaml:9:"), std::string::npos) << e;
  EXPECT_NE(e.find("price.output: expected a non-negative number"), std::string::npos) << e;
}

TEST(ParseErrors, MissingProvider) {
  std::string e = parse_error(kProviders, models_with(R"(  - name: gpt-4o
    provider: openia
    context_window: 128000
    max_output_tokens: 16384
    price: {input: 2.5, output: 10}
    capabilities: [chat]
    tier_hint: standard
)"));
  EXPECT_NE(e.find("models.yaml:6:"), std::string::npos) << e;
  EXPECT_NE(e.find(".provider: unknown provider 'openia'"), std::string::npos) << e;
}

TEST(ParseErrors, MissingRequiredField) {
  std::string e = parse_error(kProviders, models_with(R"(  - name: gpt-4o
    context_window: 128000
    max_output_tokens: 16384
    price: {input: 2.5, output: 10}
    capabilities: [chat]
    tier_hint: standard
)"));
  EXPECT_NE(e.find("models.yaml:5:"), std::string::npos) << e;
  EXPECT_NE(e.find("missing required field 'provider'"), std::string::npos) << e;
}

TEST(ParseErrors, ZeroContextWindow) {
  std::string e = parse_error(kProviders, models_with(R"(  - name: gpt-4o
    provider: openai
    context_window: 0
    max_output_tokens: 16384
    price: {input: 2.5, output: 10}
    capabilities: [chat]
    tier_hint: standard
)"));
  EXPECT_NE(e.find("models.yaml:7:"), std::string::npos) << e;
  EXPECT_NE(e.find("context_window: expected a positive integer, got 0"), std::string::npos) << e;
}

TEST(ParseErrors, UnknownCapabilityAndTier) {
  std::string e = parse_error(kProviders, models_with(R"(  - name: gpt-4o
    provider: openai
    context_window: 128000
    max_output_tokens: 16384
    price: {input: 2.5, output: 10}
    capabilities: [chat, telepathy]
    tier_hint: standard
)"));
  EXPECT_NE(e.find("models.yaml:10:"), std::string::npos) << e;
  EXPECT_NE(e.find("capabilities[1]: expected one of: chat"), std::string::npos) << e;
  EXPECT_NE(e.find("\"telepathy\""), std::string::npos) << e;

  e = parse_error(kProviders, models_with(R"(  - name: gpt-4o
    provider: openai
    context_window: 128000
    max_output_tokens: 16384
    price: {input: 2.5, output: 10}
    capabilities: [chat]
    tier_hint: huge
)"));
  EXPECT_NE(e.find("models.yaml:11:"), std::string::npos) << e;
  EXPECT_NE(e.find("tier_hint: expected one of: mini, standard, reasoning, local"),
            std::string::npos)
      << e;
}

TEST(ParseErrors, DuplicateModelName) {
  std::string e = parse_error(kProviders, models_with(std::string(kGoodModel) + kGoodModel));
  EXPECT_NE(e.find("models.yaml:12:"), std::string::npos) << e;
  EXPECT_NE(e.find("duplicate model name 'gpt-4o'"), std::string::npos) << e;
}

TEST(ParseErrors, PricedModelNeedsAPriceSource) {
  std::string e = parse_error(kProviders, models_with(R"(  - name: m
    provider: local
    context_window: 10
    max_output_tokens: 5
    price: {input: 1, output: 1}
    capabilities: [chat]
    tier_hint: local
)"));
  EXPECT_NE(e.find("no entry in price_sources"), std::string::npos) << e;
}

TEST(ParseErrors, ProviderFieldsAreChecked) {
  std::string e = parse_error(R"(providers:
  p:
    format: grpc
    base_url: https://x.test
    auth: bearer
    env: K
    docs: https://x.test
)",
                              models_with(""));
  EXPECT_NE(e.find("providers.yaml:3: providers.p.format: expected one of: openai, anthropic"),
            std::string::npos)
      << e;

  e = parse_error(R"(providers:
  p:
    format: openai
    base_url: ftp://x.test
    auth: bearer
    env: K
    docs: https://x.test
)",
                  models_with(""));
  EXPECT_NE(e.find("providers.yaml:4: providers.p.base_url: expected an http:// or https:// URL"),
            std::string::npos)
      << e;

  e = parse_error(R"(providers:
  p:
    format: openai
    base_url: https://x.test
    auth: bearer
    docs: https://x.test
)",
                  models_with(""));
  EXPECT_NE(e.find("providers.yaml:3: providers.p: missing required field 'env'"),
            std::string::npos)
      << e;
}

TEST(ParseErrors, YamlSyntaxErrorNamesLineAndColumn) {
  std::string e = parse_error(kProviders, "models: [unclosed\n  - x: {\n");
  EXPECT_NE(e.find("models.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("YAML syntax error"), std::string::npos) << e;
}

TEST(ParseErrors, TopLevelMustBeAMapping) {
  std::string e = parse_error(kProviders, "- just\n- a list\n");
  EXPECT_NE(e.find("models.yaml:1: expected a mapping, got a list"), std::string::npos) << e;
  e = parse_error("", models_with(""));
  EXPECT_NE(e.find("providers.yaml:"), std::string::npos) << e;
}

TEST(ParseErrors, UseTheGivenFileLabels) {
  auto parsed =
      Catalog::parse(kProviders, "models: 3\n", "/etc/sy/providers.yaml", "/etc/sy/models.yaml");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().rfind("/etc/sy/models.yaml:1: ", 0), 0u) << parsed.error();
}

TEST(ParseErrors, PriceSourceForUnknownProvider) {
  std::string models =
      "prices_read_on: \"2026-11-25\"\nprice_sources:\n"
      "  nobody: https://x.test\nmodels: []\n";
  std::string e = parse_error(kProviders, models);
  EXPECT_NE(e.find("unknown provider 'nobody'"), std::string::npos) << e;
}

TEST(Parse, EmbeddingModelsMayOmitMaxOutput) {
  auto parsed = Catalog::parse(kProviders, models_with(R"(  - name: emb
    provider: openai
    context_window: 8191
    price: {input: 0.02, output: 0}
    capabilities: [embeddings]
    tier_hint: mini
)"));
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->model("emb")->max_output_tokens, 0);

  std::string e = parse_error(kProviders, models_with(R"(  - name: chat
    provider: openai
    context_window: 8191
    price: {input: 0.02, output: 0}
    capabilities: [chat]
    tier_hint: mini
)"));
  EXPECT_NE(e.find("missing required field 'max_output_tokens'"), std::string::npos) << e;
}

}  // namespace
}  // namespace sy::catalog
