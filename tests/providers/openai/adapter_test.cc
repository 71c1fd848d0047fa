// OpenAiAdapter: error classification of OpenAI error bodies, request
// encoding (target, headers, body rewrite) and non-streamed decoding.
#include "providers/openai/adapter.h"

#include <gtest/gtest.h>

#include <string>

#include "upstream/exchange.h"

namespace sy::providers::openai {
namespace {

UpstreamError classify(int status, std::string_view body) {
  return OpenAiAdapter().classify(status, body);
}

std::string error_json(std::string_view message, std::string_view type, std::string_view code,
                       std::string_view param = "null") {
  return std::string(R"({"error":{"message":")") + std::string(message) + R"(","type":")" +
         std::string(type) + R"(","param":)" + std::string(param) + R"(,"code":")" +
         std::string(code) + "\"}}";
}

TEST(OpenAiClassify, RateLimited429) {
  auto e = classify(429, error_json("Rate limit reached for gpt-4o", "requests",
                                    "rate_limit_exceeded"));
  EXPECT_EQ(e.cls, ErrorClass::kRateLimited);
  EXPECT_TRUE(retryable(e.cls));
  EXPECT_EQ(e.error.status, 429);
  EXPECT_EQ(e.error.message, "Rate limit reached for gpt-4o");
  EXPECT_EQ(e.error.code, "rate_limit_exceeded");
  EXPECT_EQ(e.error.type, "requests");
}

TEST(OpenAiClassify, ServerError500) {
  auto e = classify(500, error_json("The server had an error", "server_error", "internal"));
  EXPECT_EQ(e.cls, ErrorClass::kServerError);
  EXPECT_TRUE(retryable(e.cls));
  EXPECT_EQ(e.error.type, "server_error");
}

TEST(OpenAiClassify, Overloaded503) {
  auto e = classify(503, error_json("Engine overloaded", "server_error", "overloaded"));
  EXPECT_EQ(e.cls, ErrorClass::kOverloaded);
  EXPECT_TRUE(retryable(e.cls));
  EXPECT_EQ(classify(529, "").cls, ErrorClass::kOverloaded);
}

TEST(OpenAiClassify, ContextLengthExceeded400) {
  auto e = classify(400, error_json("This model's maximum context length is 128000 tokens.",
                                    "invalid_request_error", "context_length_exceeded",
                                    "\"messages\""));
  EXPECT_EQ(e.cls, ErrorClass::kContextLength);
  EXPECT_FALSE(retryable(e.cls));
  EXPECT_EQ(e.error.param, "messages");
  EXPECT_EQ(e.error.status, 400);
  // Recognised from the message alone as well.
  auto m = classify(400, R"({"error":{"message":"exceeds the maximum context length of 8k"}})");
  EXPECT_EQ(m.cls, ErrorClass::kContextLength);
}

TEST(OpenAiClassify, ContentFilter400) {
  auto e = classify(400, error_json("The response was filtered", "invalid_request_error",
                                    "content_filter"));
  EXPECT_EQ(e.cls, ErrorClass::kContentPolicy);
  EXPECT_FALSE(retryable(e.cls));
  auto p = classify(400, error_json("Your request was rejected", "invalid_request_error",
                                    "content_policy_violation"));
  EXPECT_EQ(p.cls, ErrorClass::kContentPolicy);
}

TEST(OpenAiClassify, PlainClientError400) {
  auto e = classify(400, error_json("Unrecognized request argument", "invalid_request_error",
                                    "unknown_parameter"));
  EXPECT_EQ(e.cls, ErrorClass::kClientError);
  EXPECT_FALSE(retryable(e.cls));
  EXPECT_EQ(classify(404, "{}").cls, ErrorClass::kClientError);
  EXPECT_EQ(classify(422, "").cls, ErrorClass::kClientError);
}

TEST(OpenAiClassify, Auth401And403) {
  auto e = classify(401, error_json("Incorrect API key provided", "invalid_request_error",
                                    "invalid_api_key"));
  EXPECT_EQ(e.cls, ErrorClass::kAuth);
  EXPECT_FALSE(retryable(e.cls));
  EXPECT_EQ(classify(403, "").cls, ErrorClass::kAuth);
}

TEST(OpenAiClassify, Timeout408) { EXPECT_EQ(classify(408, "").cls, ErrorClass::kTimeout); }

TEST(OpenAiClassify, NonJsonBodyFallsBackOnStatus) {
  auto e = classify(502, "<html><body>Bad Gateway</body></html>");
  EXPECT_EQ(e.cls, ErrorClass::kServerError);
  EXPECT_EQ(e.error.status, 502);
  EXPECT_EQ(e.error.type, "server_error");
  EXPECT_EQ(e.error.message, "The upstream provider returned HTTP 502.");
  auto c = classify(400, "not json");
  EXPECT_EQ(c.cls, ErrorClass::kClientError);
  EXPECT_EQ(c.error.type, "invalid_request_error");
  EXPECT_EQ(classify(500, "").cls, ErrorClass::kServerError);
}

TEST(OpenAiClassify, StringErrorMember) {
  auto e = classify(500, R"({"error":"model crashed"})");
  EXPECT_EQ(e.error.message, "model crashed");
}

TEST(ErrorClassNames, AllDistinct) {
  EXPECT_EQ(to_string(ErrorClass::kNone), "none");
  EXPECT_EQ(to_string(ErrorClass::kContextLength), "context_length");
  EXPECT_EQ(to_string(ErrorClass::kRateLimited), "rate_limited");
  EXPECT_FALSE(retryable(ErrorClass::kNone));
  EXPECT_FALSE(retryable(ErrorClass::kContentPolicy));
  EXPECT_TRUE(retryable(ErrorClass::kTransport));
  EXPECT_TRUE(retryable(ErrorClass::kTimeout));
}

api::Request parse(api::Endpoint e, std::string body) {
  auto r = api::parse_request(e, std::move(body));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return std::move(r).value();
}

ProviderSettings settings() {
  ProviderSettings p;
  p.name = "openai";
  p.type = "openai";
  p.base = upstream::parse_url("https://api.example.com/v1/").value();
  p.api_key = "sk-test";
  p.headers = {{"openai-organization", "org-1"}};
  return p;
}

TEST(OpenAiEncode, ChatStreamForcesUsage) {
  ProviderSettings p = settings();
  auto req = parse(api::Endpoint::kChatCompletions,
                   R"({"model":"alias","messages":[{"role":"user","content":"hi"}],"stream":true})");
  auto out = OpenAiAdapter().encode(req, {&p, "gpt-4o-mini", 0});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->method, "POST");
  EXPECT_EQ(out->target, "/v1/chat/completions");
  EXPECT_EQ(out->body,
            R"({"stream_options":{"include_usage":true},"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true})");
  bool auth = false, org = false, ct = false;
  for (const auto& [k, v] : out->headers) {
    auth |= k == "authorization" && v == "Bearer sk-test";
    org |= k == "openai-organization" && v == "org-1";
    ct |= k == "content-type" && v == "application/json";
  }
  EXPECT_TRUE(auth && org && ct);
}

TEST(OpenAiEncode, EmbeddingsNoUsageInjectionAndNoKey) {
  ProviderSettings p = settings();
  p.api_key.clear();
  auto req = parse(api::Endpoint::kEmbeddings, R"({"model":"e","input":"x"})");
  auto out = OpenAiAdapter().encode(req, {&p, "text-embedding-3-small", 0});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->target, "/v1/embeddings");
  EXPECT_EQ(out->body, R"({"model":"text-embedding-3-small","input":"x"})");
  for (const auto& h : out->headers) EXPECT_NE(h.first, "authorization");
}

TEST(OpenAiEncode, MessagesEndpointRejected) {
  ProviderSettings p = settings();
  auto req = parse(api::Endpoint::kMessages, R"({"model":"c","messages":[]})");
  auto out = OpenAiAdapter().encode(req, {&p, "c", 0});
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().status, 400);
}

TEST(OpenAiDecode, UsageExtracted) {
  auto req = parse(api::Endpoint::kChatCompletions,
                   R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  std::string body =
      R"({"id":"x","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}})";
  auto out = OpenAiAdapter().decode(req, body);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->body, body);
  EXPECT_TRUE(out->usage.known);
  EXPECT_EQ(out->usage.prompt_tokens, 9);
  EXPECT_EQ(out->usage.completion_tokens, 4);
}

TEST(OpenAiDecode, BodyWithSlackPassesThroughWithoutACopy) {
  auto req = parse(api::Endpoint::kChatCompletions,
                   R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  std::string body = R"({"id":"x","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}})";
  body.reserve(body.size() + upstream::kBodySlack);  // as Exchange::read_all() leaves it
  const char* bytes = body.data();
  auto out = OpenAiAdapter().decode(req, std::move(body));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->body.data(), bytes);
  EXPECT_EQ(out->usage.completion_tokens, 2);
  // Without slack the body is still decoded (after one copy).
  auto tight = OpenAiAdapter().decode(req, R"({"usage":{"prompt_tokens":3}})");
  ASSERT_TRUE(tight.has_value());
  EXPECT_EQ(tight->body, R"({"usage":{"prompt_tokens":3}})");
  EXPECT_EQ(tight->usage.prompt_tokens, 3);
}

TEST(OpenAiDecode, MalformedBodyIsServerError) {
  auto req = parse(api::Endpoint::kChatCompletions,
                   R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  auto out = OpenAiAdapter().decode(req, "{oops");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().cls, ErrorClass::kServerError);
  EXPECT_EQ(out.error().error.status, 502);
}

}  // namespace
}  // namespace sy::providers::openai
