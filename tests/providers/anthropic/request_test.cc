#include "providers/anthropic/request.h"

#include <gtest/gtest.h>

#include "api/request.h"
#include "fixtures.h"
#include "providers/anthropic/adapter.h"

namespace sy::providers::anthropic {
namespace {

using testing::normalize;
using testing::read_fixture;

ProviderSettings settings() {
  ProviderSettings s;
  s.name = "anthropic";
  s.type = "anthropic";
  s.base = upstream::parse_url("https://api.anthropic.com/v1").value();
  s.api_key = "sk-ant-test";
  s.headers = {{"anthropic-beta", "prompt-caching-2024-07-31"}};
  return s;
}

api::Request parse(std::string body, api::Endpoint e = api::Endpoint::kChatCompletions) {
  auto r = api::parse_request(e, std::move(body));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return std::move(r).value();
}

Expected<std::string, api::ApiError> encode_json(const std::string& openai, int64_t def = 0) {
  api::Request req = parse(openai);
  return encode_messages_body(req, "claude-3-5-haiku-20241022", def);
}

void expect_golden(const std::string& name, int64_t default_max_tokens) {
  auto body = encode_json(read_fixture(name + ".openai.json"), default_max_tokens);
  ASSERT_TRUE(body.has_value()) << body.error().message;
  EXPECT_EQ(*body, normalize(read_fixture(name + ".anthropic.json")));
}

TEST(AnthropicRequest, SystemMergeSameRoleMergeStopUserSampling) {
  expect_golden("request_basic", 0);
}

TEST(AnthropicRequest, ToolsToolCallsToolResultsAndStream) { expect_golden("request_tools", 8192); }

TEST(AnthropicRequest, ImagesBase64AndUrl) { expect_golden("request_images", 0); }

TEST(AnthropicRequest, MaxTokensFallsBackToTargetThen4096) {
  const std::string body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
  auto with_default = encode_json(body, 1234);
  ASSERT_TRUE(with_default.has_value());
  EXPECT_NE(with_default->find(R"("max_tokens":1234)"), std::string::npos);
  auto without = encode_json(body, 0);
  ASSERT_TRUE(without.has_value());
  EXPECT_NE(without->find(R"("max_tokens":4096)"), std::string::npos);
}

TEST(AnthropicRequest, ToolChoiceVariants) {
  auto choice = [](std::string tc, std::string extra = "") {
    std::string body =
        R"({"model":"m","messages":[{"role":"user","content":"hi"}],)"
        R"("tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}])" +
        (tc.empty() ? "" : R"(,"tool_choice":)" + tc) + extra + "}";
    auto out = encode_json(body);
    EXPECT_TRUE(out.has_value());
    simdjson::dom::parser p;
    simdjson::dom::element e;
    std::string s = *out;
    if (p.parse(s).get(e) != simdjson::SUCCESS) return std::string("invalid");
    simdjson::dom::element t;
    if (e["tool_choice"].get(t) != simdjson::SUCCESS) return std::string("absent");
    return simdjson::minify(t);
  };
  EXPECT_EQ(choice(""), "absent");
  EXPECT_EQ(choice(R"("auto")"), R"({"type":"auto"})");
  EXPECT_EQ(choice(R"("none")"), R"({"type":"none"})");
  EXPECT_EQ(choice(R"("required")"), R"({"type":"any"})");
  EXPECT_EQ(choice("", R"(,"parallel_tool_calls":false)"),
            R"({"type":"auto","disable_parallel_tool_use":true})");
  EXPECT_EQ(choice(R"("required")", R"(,"parallel_tool_calls":false)"),
            R"({"type":"any","disable_parallel_tool_use":true})");
  EXPECT_EQ(choice("", R"(,"parallel_tool_calls":true)"), "absent");
}

TEST(AnthropicRequest, StopArrayAndEscaping) {
  auto out = encode_json(
      R"({"model":"m","messages":[{"role":"user","content":"tab\there \u0001 \"q\" \\ é"}],"stop":["a","b"]})");
  ASSERT_TRUE(out.has_value());
  EXPECT_NE(out->find(R"("stop_sequences":["a","b"])"), std::string::npos);
  EXPECT_NE(out->find(R"("text":"tab\there \u0001 \"q\" \\ é")"), std::string::npos) << *out;
}

TEST(AnthropicRequest, RejectsOtherEndpointsNamingTheProvider) {
  api::Request req = parse(R"({"model":"m","input":"x"})", api::Endpoint::kEmbeddings);
  auto out = encode_messages_body(req, "m", 0);
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().status, 400);
  EXPECT_EQ(out.error().type, "invalid_request_error");
  EXPECT_NE(out.error().message.find("anthropic"), std::string::npos);

  api::Request comp = parse(R"({"model":"m","prompt":"x"})", api::Endpoint::kCompletions);
  EXPECT_FALSE(encode_messages_body(comp, "m", 0).has_value());
}

TEST(AnthropicRequest, RejectsBadImagesAndArguments) {
  auto bad_image = encode_json(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]})");
  ASSERT_FALSE(bad_image.has_value());
  EXPECT_EQ(bad_image.error().param, "messages[0].content[0].image_url.url");

  auto not_base64 = encode_json(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,abc"}}]}]})");
  EXPECT_FALSE(not_base64.has_value());

  auto bad_args = encode_json(
      R"({"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{not json"}}]}]})");
  ASSERT_FALSE(bad_args.has_value());
  EXPECT_EQ(bad_args.error().param, "messages[1].tool_calls[0].function.arguments");

  auto n2 = encode_json(R"({"model":"m","n":2,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_FALSE(n2.has_value());
}

TEST(AnthropicRequest, AdapterSetsPathAndHeaders) {
  AnthropicAdapter adapter;
  ProviderSettings s = settings();
  api::Request req = parse(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  auto out = adapter.encode(req, Target{&s, "claude-3-opus", 0});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->method, "POST");
  EXPECT_EQ(out->target, "/v1/messages");
  Headers expected{{"x-api-key", "sk-ant-test"},
                   {"anthropic-version", "2023-06-01"},
                   {"content-type", "application/json"},
                   {"anthropic-beta", "prompt-caching-2024-07-31"}};
  EXPECT_EQ(out->headers, expected);
  EXPECT_NE(out->body.find(R"("model":"claude-3-opus")"), std::string::npos);

  s.api_version = "2024-01-01";
  auto v2 = adapter.encode(req, Target{&s, "claude-3-opus", 0});
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->headers[1].second, "2024-01-01");
}

}  // namespace
}  // namespace sy::providers::anthropic
