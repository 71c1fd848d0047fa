#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "../wire_support.h"
#include "providers/bedrock/adapter.h"
#include "providers/bedrock/event_stream.h"
#include "providers/bedrock/request.h"
#include "providers/bedrock/sigv4.h"

namespace sy::providers::bedrock {
namespace {

using sy::providers::testing::canonical_json;
using sy::providers::testing::FixedIds;
using sy::providers::testing::parse_chat;
using sy::providers::testing::read_fixture;

void expect_golden(const std::string& name, const std::string& actual, bool json = true) {
  if (std::getenv("SY_UPDATE_GOLDEN")) {
    std::ofstream(std::string(SWITCHYARD_TEST_DATA_DIR) + "/bedrock/fixtures/" + name) << actual;
  }
  const std::string expected = read_fixture("bedrock/fixtures/" + name);
  if (json) {
    EXPECT_EQ(canonical_json(actual), canonical_json(expected));
  } else {
    EXPECT_EQ(actual, expected);
  }
}

// 2015-08-30T12:36:00Z, the AWS test-suite instant.
std::chrono::system_clock::time_point fixed_now() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1440938160));
}

BedrockAdapter adapter() { return BedrockAdapter(&fixed_now, std::make_shared<FixedIds>()); }

ProviderSettings settings() {
  ProviderSettings p;
  p.name = "bedrock";
  p.type = "bedrock";
  p.base = upstream::parse_url("https://bedrock-runtime.us-east-1.amazonaws.com").value();
  p.access_key_id = "AKIDEXAMPLE";
  p.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  return p;
}

std::string header(const UpstreamRequest& r, std::string_view name) {
  for (auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

TEST(BedrockEncode, FullRequestGolden) {
  auto req = parse_chat(read_fixture("bedrock/fixtures/request_full.json"));
  auto body = encode_converse(req, 4096);
  ASSERT_TRUE(body.has_value()) << body.error().message;
  expect_golden("request_full.expected.json", *body);
}

TEST(BedrockEncode, DefaultMaxTokensAndStopArray) {
  auto req = parse_chat(R"({"model":"m","stop":["x","y"],"tool_choice":"required",
    "tools":[{"type":"function","function":{"name":"f"}}],
    "messages":[{"role":"user","content":"hi"}]})");
  auto body = encode_converse(req, 1000);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(canonical_json(*body),
            canonical_json(R"({"messages":[{"role":"user","content":[{"text":"hi"}]}],
    "inferenceConfig":{"maxTokens":1000,"stopSequences":["x","y"]},
    "toolConfig":{"tools":[{"toolSpec":{"name":"f","inputSchema":{"json":{"type":"object","properties":{}}}}}],
    "toolChoice":{"any":{}}}})"));
}

TEST(BedrockEncode, RejectsRemoteImages) {
  auto req = parse_chat(R"({"model":"m","messages":[{"role":"user","content":[
    {"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]})");
  auto body = encode_converse(req, 0);
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().status, 400);
}

TEST(BedrockEncode, SignsWithSigV4) {
  auto p = settings();
  p.session_token = "SESSION";
  auto req =
      parse_chat(R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  auto out = adapter().encode(req, Target{&p, "anthropic.claude-3-haiku-20240307-v1:0"});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->target, "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream");
  EXPECT_EQ(header(*out, "x-amz-date"), "20150830T123600Z");
  EXPECT_EQ(header(*out, "x-amz-security-token"), "SESSION");
  EXPECT_EQ(header(*out, "accept"), "application/vnd.amazon.eventstream");
  EXPECT_EQ(header(*out, "host"), "");  // set by the upstream client
  // Recompute independently from the documented inputs.
  SigV4Input in;
  in.method = "POST";
  in.path = out->target;
  in.payload = out->body;
  in.headers = {{"host", "bedrock-runtime.us-east-1.amazonaws.com"},
                {"content-type", "application/json"},
                {"x-amz-date", "20150830T123600Z"},
                {"x-amz-security-token", "SESSION"}};
  const auto sig =
      sign_v4(in, {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "SESSION"},
              "us-east-1", "bedrock", "20150830T123600Z");
  EXPECT_EQ(header(*out, "authorization"), sig.authorization);
  EXPECT_NE(sig.canonical_request.find(
                "/model/anthropic.claude-3-haiku-20240307-v1%253A0/converse-stream\n"),
            std::string::npos);
  EXPECT_NE(sig.authorization.find("/20150830/us-east-1/bedrock/aws4_request, SignedHeaders="
                                   "content-type;host;x-amz-date;x-amz-security-token, "),
            std::string::npos);
}

TEST(BedrockEncode, ApiKeyBearerWhenNoAccessKey) {
  auto p = settings();
  p.access_key_id.clear();
  p.api_key = "bedrock-api-key";
  auto req = parse_chat(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  auto out = adapter().encode(req, Target{&p, "amazon.nova-lite-v1:0"});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->target, "/model/amazon.nova-lite-v1%3A0/converse");
  EXPECT_EQ(header(*out, "authorization"), "Bearer bedrock-api-key");
  EXPECT_EQ(region_from_host("bedrock-runtime.eu-west-3.amazonaws.com"), "eu-west-3");
}

TEST(BedrockDecode, TextToolAndUsage) {
  auto req = parse_chat(R"({"model":"claude","messages":[{"role":"user","content":"hi"}]})");
  auto out = adapter().decode(req, R"({"output":{"message":{"role":"assistant","content":[
    {"text":"Let me check."},{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather","input":{"city":"Paris"}}}]}},
    "stopReason":"tool_use","usage":{"inputTokens":10,"outputTokens":20,"totalTokens":30,
    "cacheReadInputTokens":5,"cacheWriteInputTokens":2},"metrics":{"latencyMs":100}})");
  ASSERT_TRUE(out.has_value());
  expect_golden("decode_tool.expected.json", out->body);
  EXPECT_EQ(out->usage.prompt_tokens, 17);
  EXPECT_EQ(out->usage.cached_tokens, 5);
  EXPECT_EQ(out->usage.cache_creation_tokens, 2);
  EXPECT_EQ(out->usage.completion_tokens, 20);
}

TEST(BedrockDecode, StopReasons) {
  auto req = parse_chat(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  for (auto [reason, expected] :
       std::vector<std::pair<std::string, std::string>>{{"end_turn", "stop"},
                                                        {"stop_sequence", "stop"},
                                                        {"max_tokens", "length"},
                                                        {"tool_use", "tool_calls"},
                                                        {"guardrail_intervened", "content_filter"},
                                                        {"content_filtered", "content_filter"}}) {
    auto out = adapter().decode(
        req,
        R"({"output":{"message":{"role":"assistant","content":[{"text":"x"}]}},"stopReason":")" +
            reason + R"("})");
    ASSERT_TRUE(out.has_value());
    EXPECT_NE(out->body.find(R"("finish_reason":")" + expected + "\""), std::string::npos)
        << reason;
  }
  EXPECT_FALSE(adapter().decode(req, R"({"output":{}})").has_value());
}

std::string recorded_stream() {
  std::string s;
  s += encode_converse_event("messageStart", R"({"p":"abc","role":"assistant"})");
  s += encode_converse_event("contentBlockDelta",
                             R"({"contentBlockIndex":0,"delta":{"text":"Hi "},"p":"x"})");
  s += encode_converse_event("contentBlockDelta",
                             R"({"contentBlockIndex":0,"delta":{"text":"there"}})");
  s += encode_converse_event("contentBlockStop", R"({"contentBlockIndex":0})");
  s += encode_converse_event(
      "contentBlockStart",
      R"({"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather"}}})");
  s += encode_converse_event(
      "contentBlockDelta", R"({"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"city\":"}}})");
  s += encode_converse_event(
      "contentBlockDelta", R"({"contentBlockIndex":1,"delta":{"toolUse":{"input":"\"Paris\"}"}}})");
  s += encode_converse_event("contentBlockStop", R"({"contentBlockIndex":1})");
  s += encode_converse_event("messageStop", R"({"stopReason":"tool_use"})");
  s += encode_converse_event(
      "metadata",
      R"({"usage":{"inputTokens":12,"outputTokens":7,"totalTokens":19},"metrics":{"latencyMs":321}})");
  return s;
}

std::string transcode(StreamTranscoder& t, const std::string& body, std::size_t step, bool* ok) {
  std::string out;
  bool good = true;
  for (std::size_t i = 0; i < body.size() && good; i += step)
    good = t.feed(std::string_view(body).substr(i, step), out).has_value();
  if (good) good = t.finish(out).has_value();
  *ok = good;
  return out;
}

TEST(BedrockStream, TranscodesWholeAndByteByByte) {
  auto req = parse_chat(R"({"model":"claude","stream":true,"stream_options":{"include_usage":true},
    "messages":[{"role":"user","content":"hi"}]})");
  const std::string body = recorded_stream();
  auto t1 = adapter().transcoder(req);
  bool ok = false;
  const std::string whole = transcode(*t1, body, body.size(), &ok);
  ASSERT_TRUE(ok);
  expect_golden("stream_tool.expected.sse", whole, /*json=*/false);
  EXPECT_EQ(t1->usage().prompt_tokens, 12);
  EXPECT_EQ(t1->usage().completion_tokens, 7);
  auto t2 = adapter().transcoder(req);
  EXPECT_EQ(transcode(*t2, body, 1, &ok), whole);
  EXPECT_TRUE(ok);
  auto t3 = adapter().transcoder(req);
  EXPECT_EQ(transcode(*t3, body, 13, &ok), whole);
}

TEST(BedrockStream, ExceptionsAndCorruptionAndTruncation) {
  auto req =
      parse_chat(R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  struct Case {
    const char* type;
    ErrorClass cls;
  };
  for (auto c : {Case{"throttlingException", ErrorClass::kRateLimited},
                 Case{"serviceUnavailableException", ErrorClass::kOverloaded},
                 Case{"modelStreamErrorException", ErrorClass::kServerError},
                 Case{"internalServerException", ErrorClass::kServerError},
                 Case{"validationException", ErrorClass::kClientError}}) {
    auto t = adapter().transcoder(req);
    std::string out;
    auto r = t->feed(encode_converse_event("messageStart", R"({"role":"assistant"})") +
                         encode_converse_exception(c.type, R"({"message":"boom"})"),
                     out);
    ASSERT_FALSE(r.has_value()) << c.type;
    EXPECT_EQ(r.error().cls, c.cls) << c.type;
    EXPECT_EQ(r.error().error.message, "boom");
    EXPECT_TRUE(t->started());
  }
  auto corrupt = adapter().transcoder(req);
  std::string wire = encode_converse_event("messageStart", R"({"role":"assistant"})");
  wire[wire.size() - 1] ^= 1;
  std::string out;
  EXPECT_FALSE(corrupt->feed(wire, out).has_value());

  auto truncated = adapter().transcoder(req);
  const std::string body = recorded_stream();
  ASSERT_TRUE(truncated->feed(body.substr(0, body.size() / 2), out).has_value());
  EXPECT_FALSE(truncated->finish(out).has_value());
}

TEST(BedrockClassify, MapsTypesAndStatuses) {
  struct Case {
    int status;
    const char* body;
    ErrorClass cls;
  };
  const Case cases[] = {
      {400, R"({"message":"Malformed input request"})", ErrorClass::kClientError},
      {400,
       R"({"__type":"ValidationException","message":"Input is too long for requested model."})",
       ErrorClass::kContextLength},
      {400,
       R"({"message":"The model returned the following errors: prompt is too long: 210000 tokens > 200000 maximum"})",
       ErrorClass::kContextLength},
      {403, R"({"message":"The security token included in the request is invalid."})",
       ErrorClass::kAuth},
      {400, R"({"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"bad"})",
       ErrorClass::kAuth},
      {404, R"({"message":"Could not resolve the foundation model"})", ErrorClass::kClientError},
      {408, R"({"message":"Model has timed out"})", ErrorClass::kTimeout},
      {429, R"({"message":"Too many requests, please wait before trying again."})",
       ErrorClass::kRateLimited},
      {500, R"({"message":"internal"})", ErrorClass::kServerError},
      {503, R"({"message":"Bedrock is unable to process your request."})", ErrorClass::kOverloaded},
      {424, R"({"__type":"ModelErrorException","message":"model error"})",
       ErrorClass::kServerError},
      {502, "", ErrorClass::kServerError},
  };
  for (const auto& c : cases) {
    const UpstreamError e = adapter().classify(c.status, c.body);
    EXPECT_EQ(e.cls, c.cls) << c.body;
    EXPECT_EQ(e.error.status, c.status) << c.body;
  }
}

}  // namespace
}  // namespace sy::providers::bedrock
