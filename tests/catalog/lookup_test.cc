// Resolution of requested model strings, cost arithmetic and base-URL templates.
#include <gtest/gtest.h>

#include "catalog/catalog.h"

namespace sy::catalog {
namespace {

TEST(Resolve, CataloguedNameWins) {
  auto r = Catalog::builtin().resolve("gpt-4o");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->provider->name, "openai");
  ASSERT_NE(r->model, nullptr);
  EXPECT_EQ(r->upstream_id, "gpt-4o");
}

TEST(Resolve, HostedNameMapsToTheProvidersId) {
  auto r = Catalog::builtin().resolve("bedrock/claude-3-5-sonnet");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->provider->name, "bedrock");
  EXPECT_EQ(r->upstream_id, "anthropic.claude-3-5-sonnet-20240620-v1:0");
}

TEST(Resolve, DirectAddressingFindsTheProvidersModel) {
  auto r = Catalog::builtin().resolve("anthropic/claude-3-5-sonnet-latest");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->provider->name, "anthropic");
  ASSERT_NE(r->model, nullptr);
  EXPECT_EQ(r->model->name, "claude-3-5-sonnet-latest");
  EXPECT_EQ(r->upstream_id, "claude-3-5-sonnet-latest");
}

TEST(Resolve, DirectAddressingByProviderId) {
  auto r = Catalog::builtin().resolve("together/meta-llama/Llama-3.3-70B-Instruct-Turbo");
  ASSERT_TRUE(r);
  ASSERT_NE(r->model, nullptr);
  EXPECT_EQ(r->model->name, "together/llama-3.3-70b-instruct-turbo");
  EXPECT_EQ(r->upstream_id, "meta-llama/Llama-3.3-70B-Instruct-Turbo");
}

TEST(Resolve, UncataloguedModelOfAKnownProviderPassesThrough) {
  auto r = Catalog::builtin().resolve("openrouter/mistralai/mixtral-8x7b-instruct");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->provider->name, "openrouter");
  EXPECT_EQ(r->model, nullptr);
  EXPECT_EQ(r->upstream_id, "mistralai/mixtral-8x7b-instruct");
}

TEST(Resolve, UnknownNamesDoNotResolve) {
  const Catalog& c = Catalog::builtin();
  EXPECT_FALSE(c.resolve("no-such-model"));
  EXPECT_FALSE(c.resolve("nosuchprovider/model"));
  EXPECT_FALSE(c.resolve("openai/"));
  EXPECT_FALSE(c.resolve("/gpt-4o"));
  EXPECT_FALSE(c.resolve(""));
}

TEST(Cost, InputMinusCachedCachedAndOutput) {
  ModelInfo m;
  m.price = {2.50, 10.00, 1.25};
  api::Usage u;
  u.known = true;
  u.prompt_tokens = 1'000'000;
  u.cached_tokens = 400'000;
  u.completion_tokens = 100'000;
  // 600k * 2.50 + 400k * 1.25 + 100k * 10.00, per million.
  EXPECT_DOUBLE_EQ(cost_usd(m, u), 1.50 + 0.50 + 1.00);
}

TEST(Cost, BuiltinGpt4oMiniSmallRequest) {
  const ModelInfo* m = Catalog::builtin().model("gpt-4o-mini");
  ASSERT_NE(m, nullptr);
  api::Usage u;
  u.prompt_tokens = 1200;
  u.completion_tokens = 300;
  EXPECT_NEAR(cost_usd(*m, u), (1200 * 0.15 + 300 * 0.60) / 1e6, 1e-15);
}

TEST(Cost, ClampsInconsistentCounts) {
  ModelInfo m;
  m.price = {1.0, 2.0, 0.5};
  api::Usage u;
  u.prompt_tokens = 100;
  u.cached_tokens = 500;  // more cached than prompt: clamp to prompt
  u.completion_tokens = -7;
  EXPECT_DOUBLE_EQ(cost_usd(m, u), 100 * 0.5 / 1e6);
  EXPECT_DOUBLE_EQ(cost_usd(m, api::Usage{}), 0.0);
}

TEST(BaseUrl, ExpandsPlaceholders) {
  const ProviderPreset* azure = Catalog::builtin().provider("azure");
  ASSERT_NE(azure, nullptr);
  auto url = expand_base_url(*azure, {{"resource", "contoso"}});
  ASSERT_TRUE(url) << url.error();
  EXPECT_EQ(*url, "https://contoso.openai.azure.com/openai");

  auto missing = expand_base_url(*azure, {});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("{resource}"), std::string::npos);

  const ProviderPreset* openai = Catalog::builtin().provider("openai");
  EXPECT_TRUE(base_url_fields(*openai).empty());
  EXPECT_EQ(*expand_base_url(*openai, {}), "https://api.openai.com/v1");
}

TEST(Names, EnumsPrintAsInTheFiles) {
  EXPECT_EQ(to_string(WireFormat::kBedrock), "bedrock");
  EXPECT_EQ(to_string(AuthStyle::kXGoogApiKey), "x-goog-api-key");
  EXPECT_EQ(to_string(TierHint::kReasoning), "reasoning");
}

}  // namespace
}  // namespace sy::catalog
