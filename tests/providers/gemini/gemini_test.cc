#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "../wire_support.h"
#include "providers/gemini/adapter.h"
#include "providers/gemini/request.h"

namespace sy::providers::gemini {
namespace {

using sy::providers::testing::canonical_json;
using sy::providers::testing::FixedIds;
using sy::providers::testing::parse_chat;
using sy::providers::testing::read_fixture;

// Compares `actual` with fixture `name`; SY_UPDATE_GOLDEN=1 rewrites it.
void expect_golden(const std::string& name, const std::string& actual, bool json = true) {
  if (std::getenv("SY_UPDATE_GOLDEN")) {
    std::ofstream(std::string(SWITCHYARD_TEST_DATA_DIR) + "/gemini/fixtures/" + name) << actual;
  }
  const std::string expected = read_fixture("gemini/fixtures/" + name);
  if (json) {
    EXPECT_EQ(canonical_json(actual), canonical_json(expected));
  } else {
    EXPECT_EQ(actual, expected);
  }
}

ProviderSettings settings() {
  ProviderSettings p;
  p.name = "gemini";
  p.type = "gemini";
  p.base = upstream::parse_url("https://generativelanguage.googleapis.com/v1beta").value();
  p.api_key = "test-key";
  return p;
}

GeminiAdapter adapter() { return GeminiAdapter(std::make_shared<FixedIds>()); }

TEST(GeminiEncode, FullRequestGolden) {
  auto req = parse_chat(read_fixture("gemini/fixtures/request_full.json"));
  auto body = encode_generate_content(req);
  ASSERT_TRUE(body.has_value()) << body.error().message;
  expect_golden("request_full.expected.json", *body);
}

TEST(GeminiEncode, TargetHeadersAndStreamPath) {
  const auto p = settings();
  auto req = parse_chat(R"({"model":"g","messages":[{"role":"user","content":"hi"}]})");
  auto out = adapter().encode(req, Target{&p, "gemini-2.0-flash"});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->target, "/v1beta/models/gemini-2.0-flash:generateContent");
  EXPECT_EQ(out->body, R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})");
  bool has_key = false;
  for (auto& [k, v] : out->headers) has_key |= (k == "x-goog-api-key" && v == "test-key");
  EXPECT_TRUE(has_key);

  auto sreq =
      parse_chat(R"({"model":"g","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  auto sout = adapter().encode(sreq, Target{&p, "models/gemini-2.0-flash"});
  ASSERT_TRUE(sout.has_value());
  EXPECT_EQ(sout->target, "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
}

TEST(GeminiEncode, JsonObjectAndStopArrayAndToolChoiceModes) {
  auto req = parse_chat(R"({"model":"g","stop":["a","b"],"response_format":{"type":"json_object"},
    "tool_choice":"required","tools":[{"type":"function","function":{"name":"f"}}],
    "messages":[{"role":"user","content":"hi"}]})");
  auto body = encode_generate_content(req);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(canonical_json(*body),
            canonical_json(R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}],
      "generationConfig":{"stopSequences":["a","b"],"responseMimeType":"application/json"},
      "tools":[{"functionDeclarations":[{"name":"f"}]}],
      "toolConfig":{"functionCallingConfig":{"mode":"ANY"}}})"));
  auto none = parse_chat(
      R"({"model":"g","tool_choice":"none","messages":[{"role":"user","content":"x"}]})");
  EXPECT_NE(encode_generate_content(none)->find(R"("mode":"NONE")"), std::string::npos);
}

TEST(GeminiEncode, RejectsUnknownToolCallIdAndOtherEndpoints) {
  auto req = parse_chat(R"({"model":"g","messages":[{"role":"user","content":"x"},
    {"role":"tool","tool_call_id":"nope","content":"1"}]})");
  auto body = encode_generate_content(req);
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().status, 400);
  auto emb = api::parse_request(api::Endpoint::kEmbeddings, R"({"model":"e","input":"x"})");
  ASSERT_TRUE(emb.has_value());
  EXPECT_FALSE(encode_generate_content(*emb).has_value());
}

TEST(GeminiDecode, TextAndUsage) {
  auto req = parse_chat(R"({"model":"my-gemini","messages":[{"role":"user","content":"hi"}]})");
  auto out = adapter().decode(req, R"({"candidates":[{"content":{"parts":[{"text":"Hello"},
    {"text":" there"}],"role":"model"},"finishReason":"STOP","index":0}],
    "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":2,"cachedContentTokenCount":1,
    "thoughtsTokenCount":3,"totalTokenCount":10},"modelVersion":"gemini-2.0-flash"})");
  ASSERT_TRUE(out.has_value());
  expect_golden("decode_text.expected.json", out->body);
  EXPECT_EQ(out->usage.prompt_tokens, 5);
  EXPECT_EQ(out->usage.completion_tokens, 5);
  EXPECT_EQ(out->usage.reasoning_tokens, 3);
  EXPECT_EQ(out->usage.cached_tokens, 1);
}

TEST(GeminiDecode, FunctionCallBecomesToolCalls) {
  auto req = parse_chat(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  auto out = adapter().decode(req, R"({"candidates":[{"content":{"parts":[{"functionCall":
    {"name":"get_weather","args":{"city":"Paris"}}}],"role":"model"},"finishReason":"STOP"}]})");
  ASSERT_TRUE(out.has_value());
  expect_golden("decode_tool.expected.json", out->body);
}

TEST(GeminiDecode, FinishReasons) {
  auto req = parse_chat(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  for (auto [reason, expected] :
       std::vector<std::pair<std::string, std::string>>{{"STOP", "stop"},
                                                        {"MAX_TOKENS", "length"},
                                                        {"SAFETY", "content_filter"},
                                                        {"RECITATION", "content_filter"},
                                                        {"BLOCKLIST", "content_filter"},
                                                        {"PROHIBITED_CONTENT", "content_filter"},
                                                        {"SPII", "content_filter"}}) {
    auto out = adapter().decode(
        req, R"({"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":")" + reason +
                 R"("}]})");
    ASSERT_TRUE(out.has_value());
    EXPECT_NE(out->body.find(R"("finish_reason":")" + expected + "\""), std::string::npos)
        << reason;
  }
  auto blocked = adapter().decode(req, R"({"promptFeedback":{"blockReason":"SAFETY"},
    "usageMetadata":{"promptTokenCount":4,"totalTokenCount":4}})");
  ASSERT_TRUE(blocked.has_value());
  EXPECT_NE(blocked->body.find(R"("content":null)"), std::string::npos);
  EXPECT_NE(blocked->body.find(R"("finish_reason":"content_filter")"), std::string::npos);
  EXPECT_FALSE(adapter().decode(req, "not json").has_value());
}

std::string transcode(StreamTranscoder& t, const std::string& body, std::size_t step,
                      bool* ok = nullptr) {
  std::string out;
  bool good = true;
  for (std::size_t i = 0; i < body.size() && good; i += step)
    good = t.feed(body.substr(i, step), out).has_value();
  if (good) good = t.finish(out).has_value();
  if (ok) *ok = good;
  return out;
}

TEST(GeminiStream, TranscodesWholeAndByteByByte) {
  auto req =
      parse_chat(R"({"model":"my-gemini","stream":true,"stream_options":{"include_usage":true},
    "messages":[{"role":"user","content":"hi"}]})");
  const std::string body = read_fixture("gemini/fixtures/stream_text_tool.sse");
  auto whole_t = adapter().transcoder(req);
  bool ok = false;
  const std::string whole = transcode(*whole_t, body, body.size(), &ok);
  ASSERT_TRUE(ok);
  expect_golden("stream_text_tool.expected.sse", whole, /*json=*/false);
  EXPECT_TRUE(whole_t->started());
  EXPECT_EQ(whole_t->usage().prompt_tokens, 9);
  EXPECT_EQ(whole_t->usage().completion_tokens, 13);
  EXPECT_EQ(whole_t->usage().cached_tokens, 4);

  auto bytes_t = adapter().transcoder(req);
  EXPECT_EQ(transcode(*bytes_t, body, 1, &ok), whole);
  EXPECT_TRUE(ok);
}

TEST(GeminiStream, NoUsageChunkUnlessAsked) {
  auto req =
      parse_chat(R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  auto t = adapter().transcoder(req);
  bool ok = false;
  const std::string out =
      transcode(*t, read_fixture("gemini/fixtures/stream_text_tool.sse"), 7, &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(out.find(R"("choices":[])"), std::string::npos);
  EXPECT_TRUE(t->usage().known);
}

TEST(GeminiStream, ErrorEventAndTruncation) {
  auto req =
      parse_chat(R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  auto t = adapter().transcoder(req);
  std::string out;
  auto r = t->feed(
      R"(data: {"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}})"
      "\n\n",
      out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().cls, ErrorClass::kRateLimited);

  auto t2 = adapter().transcoder(req);
  out.clear();
  ASSERT_TRUE(
      t2->feed("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}]}\n\n", out)
          .has_value());
  EXPECT_TRUE(t2->started());
  EXPECT_FALSE(t2->finish(out).has_value());

  auto t3 = adapter().transcoder(req);
  EXPECT_FALSE(t3->feed("data: {not json}\n\n", out).has_value());
}

TEST(GeminiClassify, MapsStatuses) {
  struct Case {
    int status;
    const char* body;
    ErrorClass cls;
  };
  const Case cases[] = {
      {400,
       R"({"error":{"code":400,"message":"Invalid JSON payload","status":"INVALID_ARGUMENT"}})",
       ErrorClass::kClientError},
      {400,
       R"({"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}})",
       ErrorClass::kContextLength},
      {400,
       R"({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}})",
       ErrorClass::kAuth},
      {403, R"({"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}})",
       ErrorClass::kAuth},
      {401, R"({"error":{"code":401,"message":"no","status":"UNAUTHENTICATED"}})",
       ErrorClass::kAuth},
      {404, R"({"error":{"code":404,"message":"models/x is not found","status":"NOT_FOUND"}})",
       ErrorClass::kClientError},
      {429, R"({"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}})",
       ErrorClass::kRateLimited},
      {500, R"({"error":{"code":500,"message":"internal","status":"INTERNAL"}})",
       ErrorClass::kServerError},
      {503, R"({"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}})",
       ErrorClass::kOverloaded},
      {504, R"({"error":{"code":504,"message":"deadline","status":"DEADLINE_EXCEEDED"}})",
       ErrorClass::kTimeout},
      {502, "<html>bad gateway</html>", ErrorClass::kServerError},
      {400, R"([{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}])",
       ErrorClass::kClientError},
  };
  for (const auto& c : cases) {
    const UpstreamError e = adapter().classify(c.status, c.body);
    EXPECT_EQ(e.cls, c.cls) << c.body;
    EXPECT_EQ(e.error.status, c.status) << c.body;
    EXPECT_FALSE(e.error.message.empty());
  }
}

}  // namespace
}  // namespace sy::providers::gemini
