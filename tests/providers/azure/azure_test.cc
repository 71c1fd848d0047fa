#include <gtest/gtest.h>

#include "../wire_support.h"
#include "providers/azure/adapter.h"

namespace sy::providers::azure {
namespace {

using sy::providers::testing::parse_chat;

ProviderSettings settings(std::string api_version = "") {
  ProviderSettings p;
  p.name = "azure";
  p.type = "azure";
  p.base = upstream::parse_url("https://myres.openai.azure.com").value();
  p.api_key = "azure-key";
  p.api_version = std::move(api_version);
  return p;
}

TEST(AzureEncode, DeploymentUrlApiKeyAndRewrittenModel) {
  const auto p = settings();
  auto req = parse_chat(R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]})");
  auto out = AzureAdapter().encode(req, Target{&p, "prod-gpt4o"});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->target, "/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21");
  EXPECT_EQ(out->body, R"({"model":"prod-gpt4o","messages":[{"role":"user","content":"hi"}]})");
  bool key = false, bearer = false;
  for (auto& [k, v] : out->headers) {
    key |= (k == "api-key" && v == "azure-key");
    bearer |= (k == "authorization");
  }
  EXPECT_TRUE(key);
  EXPECT_FALSE(bearer);
}

TEST(AzureEncode, ConfiguredApiVersionAndEmbeddings) {
  const auto p = settings("2025-01-01-preview");
  auto req = api::parse_request(api::Endpoint::kEmbeddings, R"({"model":"e","input":"x"})");
  ASSERT_TRUE(req.has_value());
  auto out = AzureAdapter().encode(*req, Target{&p, "emb"});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->target, "/openai/deployments/emb/embeddings?api-version=2025-01-01-preview");
}

TEST(AzureEncode, StreamRequestsUsage) {
  const auto p = settings();
  auto req =
      parse_chat(R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  auto out = AzureAdapter().encode(req, Target{&p, "d"});
  ASSERT_TRUE(out.has_value());
  EXPECT_NE(out->body.find(R"("include_usage":true)"), std::string::npos);
}

TEST(AzureClassify, ContentFilterIsContentPolicy) {
  const AzureAdapter a;
  auto e = a.classify(
      400,
      R"({"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy.","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation"}}})");
  EXPECT_EQ(e.cls, ErrorClass::kContentPolicy);
  EXPECT_EQ(a.classify(429, R"({"error":{"code":"429","message":"Rate limit"}})").cls,
            ErrorClass::kRateLimited);
  EXPECT_EQ(a.classify(401, R"({"error":{"code":"401","message":"Access denied"}})").cls,
            ErrorClass::kAuth);
  EXPECT_EQ(
      a.classify(
           400,
           R"({"error":{"code":"context_length_exceeded","message":"This model's maximum context length is 128000 tokens."}})")
          .cls,
      ErrorClass::kContextLength);
}

TEST(AzureDecode, DelegatesToOpenAi) {
  auto req = parse_chat(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  auto out = AzureAdapter().decode(
      req,
      R"({"id":"x","object":"chat.completion","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}})");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->usage.prompt_tokens, 3);
  EXPECT_EQ(out->usage.completion_tokens, 4);
}

}  // namespace
}  // namespace sy::providers::azure
