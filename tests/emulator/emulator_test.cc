// End-to-end tests of the provider emulator over real sockets on 127.0.0.1.
#include "emulator/emulator.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "api/sse.h"
#include "test_client.h"

namespace sy::emulator {
namespace {

using testing::Connection;
using testing::Headers;
using testing::http_request;
using testing::Response;

const Headers kOpenAI = {{"authorization", "Bearer sk-test"}};
const Headers kAnthropic = {{"x-api-key", "sk-ant-test"}, {"anthropic-version", "2023-06-01"}};

struct Sse {
  std::string event;
  std::string data;
};

std::vector<Sse> parse_sse(const std::string& body) {
  api::SseParser parser;
  parser.feed(body);
  std::vector<Sse> out;
  api::SseEvent ev;
  while (parser.next(ev) == api::SseParser::Status::kEvent) {
    out.push_back({std::string(ev.event), std::string(ev.data)});
  }
  return out;
}

class EmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override { port_ = emulator_.start(); }
  uint16_t port_ = 0;
  Emulator emulator_{Options{}};

  Response chat(const std::string& body, const Headers& extra = {},
                const std::string& prefix = "") {
    Headers h = kOpenAI;
    h.insert(h.end(), extra.begin(), extra.end());
    return http_request(port_, "POST", prefix + "/v1/chat/completions", h, body);
  }

  simdjson::dom::element requests_log(simdjson::dom::parser& parser, std::string& storage) {
    storage = http_request(port_, "GET", "/_emulator/requests", {}).body;
    return parser.parse(storage).value();
  }
};

constexpr const char* kChatBody =
    R"({"model":"gpt-4o-mini","messages":[{"role":"system","content":"be brief"},)"
    R"({"role":"user","content":"Hello there emulator"}]})";

TEST_F(EmulatorTest, ChatCompletionNonStreamShape) {
  Response r = chat(kChatBody);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  simdjson::dom::parser p;
  auto doc = p.parse(r.body).value();
  EXPECT_TRUE(std::string_view(doc["id"]).starts_with("chatcmpl-"));
  EXPECT_EQ(std::string_view(doc["object"]), "chat.completion");
  EXPECT_EQ(std::string_view(doc["model"]), "gpt-4o-mini");
  EXPECT_GT(int64_t(doc["created"]), 1700000000);
  EXPECT_FALSE(std::string_view(doc["system_fingerprint"]).empty());
  auto choice = doc["choices"].at(0);
  EXPECT_EQ(std::string_view(choice["message"]["role"]), "assistant");
  std::string_view content = choice["message"]["content"];
  EXPECT_TRUE(content.starts_with("This is the emulator answering: Hello there emulator"));
  EXPECT_EQ(std::string_view(choice["finish_reason"]), "stop");
  EXPECT_EQ(int64_t(doc["usage"]["completion_tokens"]), 12);
  EXPECT_EQ(int64_t(doc["usage"]["prompt_tokens"]), 7);  // 5 words * 1.3, rounded up
  EXPECT_EQ(int64_t(doc["usage"]["total_tokens"]), 19);
}

TEST_F(EmulatorTest, ChatCompletionMaxTokensCapsWithLength) {
  Response r = chat(R"({"model":"m","max_tokens":3,"messages":[{"role":"user","content":"hi"}]})",
                    {{"x-emulator-scenario", "tokens=20"}});
  simdjson::dom::parser p;
  auto doc = p.parse(r.body).value();
  EXPECT_EQ(std::string_view(doc["choices"].at(0)["finish_reason"]), "length");
  EXPECT_EQ(int64_t(doc["usage"]["completion_tokens"]), 3);
  EXPECT_EQ(std::string_view(doc["choices"].at(0)["message"]["content"]), "This is the");
}

TEST_F(EmulatorTest, MissingKeyIsOpenAI401) {
  Response r = http_request(port_, "POST", "/v1/chat/completions", {}, kChatBody);
  EXPECT_EQ(r.status, 401);
  simdjson::dom::parser p;
  auto doc = p.parse(r.body).value();
  EXPECT_EQ(std::string_view(doc["error"]["type"]), "invalid_request_error");
  EXPECT_TRUE(doc["error"]["code"].is_null());
}

TEST_F(EmulatorTest, StreamWithIncludeUsage) {
  Response r = chat(R"({"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},)"
                    R"("messages":[{"role":"user","content":"count"}]})",
                    {{"x-emulator-scenario", "tokens=5"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"].rfind("text/event-stream", 0), 0u);
  EXPECT_EQ(r.headers["transfer-encoding"], "chunked");
  auto events = parse_sse(r.body);
  ASSERT_EQ(events.size(), 1 + 5 + 1 + 1 + 1u);  // role, 5 content, finish, usage, [DONE]
  EXPECT_EQ(events.back().data, "[DONE]");
  simdjson::dom::parser p;
  auto role = p.parse(events[0].data).value();
  EXPECT_EQ(std::string_view(role["object"]), "chat.completion.chunk");
  EXPECT_EQ(std::string_view(role["choices"].at(0)["delta"]["role"]), "assistant");
  EXPECT_TRUE(role["usage"].is_null());
  std::string text;
  for (int i = 1; i <= 5; ++i) {
    simdjson::dom::parser pi;
    text += std::string_view(pi.parse(events[i].data).value()["choices"].at(0)["delta"]["content"]);
  }
  EXPECT_EQ(text, "This is the emulator answering:");
  simdjson::dom::parser pf;
  auto fin = pf.parse(events[6].data).value();
  EXPECT_EQ(std::string_view(fin["choices"].at(0)["finish_reason"]), "stop");
  simdjson::dom::parser pu;
  auto usage = pu.parse(events[7].data).value();
  EXPECT_EQ(simdjson::dom::array(usage["choices"]).size(), 0u);
  EXPECT_EQ(int64_t(usage["usage"]["completion_tokens"]), 5);
}

TEST_F(EmulatorTest, StreamWithoutIncludeUsageHasNoUsageChunk) {
  Response r =
      chat(R"({"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"x"}]})");
  auto events = parse_sse(r.body);
  ASSERT_EQ(events.size(), 1 + 12 + 1 + 1u);
  EXPECT_EQ(events.back().data, "[DONE]");
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    simdjson::dom::parser p;
    auto doc = p.parse(events[i].data).value();
    EXPECT_EQ(doc["usage"].error(), simdjson::NO_SUCH_FIELD) << events[i].data;
    EXPECT_EQ(simdjson::dom::array(doc["choices"]).size(), 1u);
  }
}

TEST_F(EmulatorTest, ToolCallNonStreamAndStream) {
  const std::string tools =
      R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":)"
      R"({"type":"object","properties":{"city":{"type":"string"}}}}}])";
  Response r = chat(R"({"model":"m",)" + tools +
                    R"(,"messages":[{"role":"user","content":"What is the weather in Paris?"}]})");
  simdjson::dom::parser p;
  auto doc = p.parse(r.body).value();
  auto choice = doc["choices"].at(0);
  EXPECT_EQ(std::string_view(choice["finish_reason"]), "tool_calls");
  auto call = choice["message"]["tool_calls"].at(0);
  EXPECT_TRUE(std::string_view(call["id"]).starts_with("call_"));
  EXPECT_EQ(std::string_view(call["function"]["name"]), "get_weather");
  EXPECT_EQ(std::string_view(call["function"]["arguments"]), R"({"city":"San Francisco, CA"})");

  Response s = chat(
      R"({"model":"m","stream":true,)" + tools + R"(,"messages":[{"role":"user","content":"hi"}]})",
      {{"x-emulator-scenario", "tool=1"}});
  auto events = parse_sse(s.body);
  std::string args;
  std::string finish;
  for (const auto& e : events) {
    if (e.data == "[DONE]") continue;
    simdjson::dom::parser pe;
    auto chunk = pe.parse(e.data).value();
    auto c0 = chunk["choices"].at(0);
    auto calls = c0["delta"]["tool_calls"];
    if (!calls.error()) {
      EXPECT_EQ(int64_t(calls.at(0)["index"]), 0);
      args += std::string_view(calls.at(0)["function"]["arguments"]);
    }
    if (c0["finish_reason"].is_string())
      finish = std::string(std::string_view(c0["finish_reason"]));
  }
  EXPECT_EQ(args, R"({"city":"San Francisco, CA"})");
  EXPECT_EQ(finish, "tool_calls");
}

TEST_F(EmulatorTest, StatusScenarioWithTimesThenSuccess) {
  const std::string prefix = "/_s/status=503,retry_after=7,times=2";
  Response a = chat(kChatBody, {}, prefix);
  Response b = chat(kChatBody, {}, prefix);
  Response c = chat(kChatBody, {}, prefix);
  EXPECT_EQ(a.status, 503);
  EXPECT_EQ(a.headers["retry-after"], "7");
  EXPECT_EQ(b.status, 503);
  EXPECT_EQ(c.status, 200);
  simdjson::dom::parser p;
  EXPECT_EQ(std::string_view(p.parse(a.body).value()["error"]["type"]), "server_error");
  // Another scenario string has its own counter; reset clears them all.
  EXPECT_EQ(chat(kChatBody, {}, "/_s/status=503,times=1,tag=x").status, 503);
  http_request(port_, "POST", "/_emulator/reset", {});
  EXPECT_EQ(chat(kChatBody, {}, prefix).status, 503);
}

TEST_F(EmulatorTest, ContextLengthErrors) {
  Response o = chat(kChatBody, {{"x-emulator-scenario", "context=1"}});
  EXPECT_EQ(o.status, 400);
  simdjson::dom::parser p;
  EXPECT_EQ(std::string_view(p.parse(o.body).value()["error"]["code"]), "context_length_exceeded");
  Response a = http_request(
      port_, "POST", "/_s/context=1/v1/messages", kAnthropic,
      R"({"model":"claude-x","max_tokens":10,"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(a.status, 400);
  simdjson::dom::parser pa;
  auto doc = pa.parse(a.body).value();
  EXPECT_EQ(std::string_view(doc["type"]), "error");
  EXPECT_EQ(std::string_view(doc["error"]["type"]), "invalid_request_error");
  EXPECT_TRUE(std::string_view(doc["error"]["message"]).starts_with("prompt is too long"));
}

TEST_F(EmulatorTest, UnknownScenarioKeyIsRejected) {
  Response r = chat(kChatBody, {{"x-emulator-scenario", "bogus=1"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("bogus"), std::string::npos);
}

TEST_F(EmulatorTest, AnthropicStreamEventOrder) {
  Response r =
      http_request(port_, "POST", "/v1/messages", kAnthropic,
                   R"({"model":"claude-sonnet-4","max_tokens":100,"stream":true,)"
                   R"("messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}]})");
  ASSERT_EQ(r.status, 200);
  auto events = parse_sse(r.body);
  std::vector<std::string> names;
  for (const auto& e : events) names.push_back(e.event);
  std::vector<std::string> expected = {"message_start", "content_block_start", "ping"};
  for (int i = 0; i < 12; ++i) expected.push_back("content_block_delta");
  for (const char* n : {"content_block_stop", "message_delta", "message_stop"}) {
    expected.push_back(n);
  }
  EXPECT_EQ(names, expected);
  simdjson::dom::parser p0;
  auto start = p0.parse(events[0].data).value();
  EXPECT_TRUE(std::string_view(start["message"]["id"]).starts_with("msg_"));
  EXPECT_GE(int64_t(start["message"]["usage"]["input_tokens"]), 1);
  EXPECT_EQ(int64_t(start["message"]["usage"]["cache_read_input_tokens"]), 0);
  simdjson::dom::parser p3;
  auto delta = p3.parse(events[3].data).value();
  EXPECT_EQ(std::string_view(delta["delta"]["type"]), "text_delta");
  simdjson::dom::parser pd;
  auto md = pd.parse(events[events.size() - 2].data).value();
  EXPECT_EQ(std::string_view(md["delta"]["stop_reason"]), "end_turn");
  EXPECT_EQ(int64_t(md["usage"]["output_tokens"]), 12);
}

TEST_F(EmulatorTest, AnthropicToolUseStreamAndErrors) {
  Response r = http_request(
      port_, "POST", "/v1/messages", kAnthropic,
      R"({"model":"c","max_tokens":100,"stream":true,"tools":[{"name":"get_weather",)"
      R"("input_schema":{"type":"object","properties":{"location":{"type":"string"}}}}],)"
      R"("messages":[{"role":"user","content":"weather in Oslo?"}]})");
  auto events = parse_sse(r.body);
  std::string json;
  std::string stop;
  for (const auto& e : events) {
    simdjson::dom::parser p;
    auto d = p.parse(e.data).value();
    if (e.event == "content_block_start") {
      EXPECT_EQ(std::string_view(d["content_block"]["type"]), "tool_use");
    }
    if (e.event == "content_block_delta") {
      EXPECT_EQ(std::string_view(d["delta"]["type"]), "input_json_delta");
      json += std::string_view(d["delta"]["partial_json"]);
    }
    if (e.event == "message_delta") stop = std::string(std::string_view(d["delta"]["stop_reason"]));
  }
  EXPECT_EQ(json, R"({"location":"San Francisco, CA"})");
  EXPECT_EQ(stop, "tool_use");

  Response no_key = http_request(port_, "POST", "/v1/messages", {{"anthropic-version", "x"}}, "{}");
  EXPECT_EQ(no_key.status, 401);
  EXPECT_NE(no_key.body.find("authentication_error"), std::string::npos);
  Response overloaded =
      http_request(port_, "POST", "/v1/messages",
                   Headers{kAnthropic[0], kAnthropic[1], {"x-emulator-scenario", "status=529"}},
                   R"({"model":"c","max_tokens":5,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(overloaded.status, 529);
  EXPECT_NE(overloaded.body.find("overloaded_error"), std::string::npos);

  Response mid = http_request(
      port_, "POST", "/_s/error_event=4/v1/messages", kAnthropic,
      R"({"model":"c","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"x"}]})");
  auto mid_events = parse_sse(mid.body);
  ASSERT_EQ(mid_events.size(), 5u);
  EXPECT_EQ(mid_events.back().event, "error");
}

TEST_F(EmulatorTest, GeminiSseShape) {
  Response r = http_request(
      port_, "POST", "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=k", {},
      R"({"contents":[{"role":"user","parts":[{"text":"Tell me a story"}]}],)"
      R"("generationConfig":{"maxOutputTokens":4}})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/event-stream");
  auto events = parse_sse(r.body);
  ASSERT_EQ(events.size(), 4u);
  std::string text;
  for (const auto& e : events) {
    simdjson::dom::parser p;
    auto d = p.parse(e.data).value();
    text += std::string_view(d["candidates"].at(0)["content"]["parts"].at(0)["text"]);
    EXPECT_EQ(std::string_view(d["modelVersion"]), "gemini-2.0-flash");
  }
  EXPECT_EQ(text, "This is the emulator");
  simdjson::dom::parser p;
  auto last = p.parse(events.back().data).value();
  EXPECT_EQ(std::string_view(last["candidates"].at(0)["finishReason"]), "MAX_TOKENS");
  EXPECT_EQ(int64_t(last["usageMetadata"]["candidatesTokenCount"]), 4);
  EXPECT_EQ(int64_t(last["usageMetadata"]["promptTokenCount"]), 6);
  EXPECT_EQ(int64_t(last["usageMetadata"]["totalTokenCount"]), 10);

  Response no_key = http_request(port_, "POST", "/v1beta/models/g:generateContent", {}, "{}");
  EXPECT_EQ(no_key.status, 403);
  simdjson::dom::parser pe;
  auto err = pe.parse(no_key.body).value();
  EXPECT_EQ(std::string_view(err["error"]["status"]), "PERMISSION_DENIED");
  EXPECT_EQ(int64_t(err["error"]["code"]), 403);

  Response safety =
      http_request(port_, "POST", "/v1beta/models/g:generateContent",
                   {{"x-goog-api-key", "k"}, {"x-emulator-scenario", "finish=safety"}},
                   R"({"contents":[{"parts":[{"text":"x"}]}]})");
  simdjson::dom::parser ps;
  EXPECT_EQ(std::string_view(ps.parse(safety.body).value()["candidates"].at(0)["finishReason"]),
            "SAFETY");
}

// Decodes AWS event-stream frames independently of the production codec.
struct Frame {
  std::map<std::string, std::string> headers;
  std::string payload;
};

uint32_t be32(const std::string& s, std::size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
         (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

uint32_t crc32_of(const std::string& s, std::size_t begin, std::size_t end) {
  boost::crc_32_type crc;
  crc.process_bytes(s.data() + begin, end - begin);
  return crc.checksum();
}

std::vector<Frame> decode_frames(const std::string& bytes, bool& crc_ok) {
  std::vector<Frame> frames;
  crc_ok = true;
  std::size_t pos = 0;
  while (pos + 16 <= bytes.size()) {
    uint32_t total = be32(bytes, pos);
    uint32_t header_len = be32(bytes, pos + 4);
    if (pos + total > bytes.size()) break;
    crc_ok = crc_ok && be32(bytes, pos + 8) == crc32_of(bytes, pos, pos + 8);
    crc_ok = crc_ok && be32(bytes, pos + total - 4) == crc32_of(bytes, pos, pos + total - 4);
    Frame f;
    std::size_t h = pos + 12;
    std::size_t h_end = h + header_len;
    while (h < h_end) {
      uint8_t name_len = uint8_t(bytes[h]);
      std::string name = bytes.substr(h + 1, name_len);
      h += 1 + name_len;
      EXPECT_EQ(uint8_t(bytes[h]), 7);  // string
      uint16_t vlen = uint16_t((uint8_t(bytes[h + 1]) << 8) | uint8_t(bytes[h + 2]));
      f.headers[name] = bytes.substr(h + 3, vlen);
      h += 3 + vlen;
    }
    f.payload = bytes.substr(h_end, pos + total - 4 - h_end);
    frames.push_back(std::move(f));
    pos += total;
  }
  EXPECT_EQ(pos, bytes.size());
  return frames;
}

TEST_F(EmulatorTest, BedrockConverseStreamFrames) {
  const Headers auth = {{"authorization",
                         "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/"
                         "bedrock/aws4_request, SignedHeaders=host, Signature=00"}};
  const std::string body =
      R"({"messages":[{"role":"user","content":[{"text":"Hi there"}]}],"inferenceConfig":{"maxTokens":100}})";
  Response r = http_request(
      port_, "POST", "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream", auth, body);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "application/vnd.amazon.eventstream");
  bool crc_ok = false;
  auto frames = decode_frames(r.body, crc_ok);
  EXPECT_TRUE(crc_ok);
  std::vector<std::string> types;
  for (const auto& f : frames) {
    types.push_back(f.headers.at(":event-type"));
    EXPECT_EQ(f.headers.at(":message-type"), "event");
    EXPECT_EQ(f.headers.at(":content-type"), "application/json");
  }
  ASSERT_EQ(types.size(), 1 + 12 + 3u);
  EXPECT_EQ(types.front(), "messageStart");
  EXPECT_EQ(types[1], "contentBlockDelta");
  EXPECT_EQ(types[13], "contentBlockStop");
  EXPECT_EQ(types[14], "messageStop");
  EXPECT_EQ(types[15], "metadata");
  simdjson::dom::parser p;
  auto meta = p.parse(frames.back().payload).value();
  EXPECT_EQ(int64_t(meta["usage"]["outputTokens"]), 12);
  EXPECT_EQ(int64_t(meta["usage"]["inputTokens"]), 3);

  Response plain = http_request(port_, "POST", "/model/m/converse", auth, body);
  simdjson::dom::parser pc;
  auto doc = pc.parse(plain.body).value();
  EXPECT_EQ(std::string_view(doc["stopReason"]), "end_turn");
  EXPECT_TRUE(std::string_view(doc["output"]["message"]["content"].at(0)["text"])
                  .starts_with("This is the emulator answering: Hi there"));
  EXPECT_EQ(int64_t(doc["usage"]["totalTokens"]), 15);

  Response unsigned_req = http_request(port_, "POST", "/model/m/converse", {}, body);
  EXPECT_EQ(unsigned_req.status, 403);

  Response mid =
      http_request(port_, "POST", "/_s/error_event=2/model/m/converse-stream", auth, body);
  auto mid_frames = decode_frames(mid.body, crc_ok);
  EXPECT_TRUE(crc_ok);
  ASSERT_EQ(mid_frames.size(), 3u);
  EXPECT_EQ(mid_frames.back().headers.at(":message-type"), "exception");
  EXPECT_EQ(mid_frames.back().headers.at(":exception-type"), "internalServerException");
}

TEST_F(EmulatorTest, EmbeddingsFloatAndBase64) {
  Response f =
      http_request(port_, "POST", "/v1/embeddings", kOpenAI,
                   R"({"model":"text-embedding-3-small","input":["a b","c"],"dimensions":8})");
  ASSERT_EQ(f.status, 200);
  simdjson::dom::parser p;
  auto doc = p.parse(f.body).value();
  EXPECT_EQ(simdjson::dom::array(doc["data"]).size(), 2u);
  EXPECT_EQ(simdjson::dom::array(doc["data"].at(0)["embedding"]).size(), 8u);
  Response b = http_request(port_, "POST", "/v1/embeddings", kOpenAI,
                            R"({"model":"text-embedding-3-small","input":"a b","dimensions":8,)"
                            R"("encoding_format":"base64"})");
  simdjson::dom::parser pb;
  std::string_view b64 = pb.parse(b.body).value()["data"].at(0)["embedding"];
  EXPECT_EQ(b64.size(), 44u);  // 32 bytes → 44 base64 chars
  // Deterministic: the same input gives the same vector.
  Response f2 =
      http_request(port_, "POST", "/v1/embeddings", kOpenAI,
                   R"({"model":"text-embedding-3-small","input":["a b","c"],"dimensions":8})");
  EXPECT_EQ(f.body.substr(f.body.find("\"data\"")), f2.body.substr(f2.body.find("\"data\"")));
}

TEST_F(EmulatorTest, ModelsList) {
  Response r = http_request(port_, "GET", "/v1/models", kOpenAI);
  ASSERT_EQ(r.status, 200);
  simdjson::dom::parser p;
  auto doc = p.parse(r.body).value();
  EXPECT_EQ(std::string_view(doc["object"]), "list");
  EXPECT_GT(simdjson::dom::array(doc["data"]).size(), 3u);
}

TEST_F(EmulatorTest, KeepAliveReusesConnectionId) {
  Connection c(port_);
  EXPECT_EQ(c.request("POST", "/v1/chat/completions", kOpenAI, kChatBody).status, 200);
  EXPECT_EQ(c.request("POST", "/v1/chat/completions", kOpenAI, kChatBody).status, 200);
  http_request(port_, "POST", "/v1/chat/completions", kOpenAI, kChatBody);
  auto records = emulator_.requests();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].conn, records[1].conn);
  EXPECT_NE(records[0].conn, records[2].conn);
}

TEST_F(EmulatorTest, RequestLogContents) {
  chat(kChatBody, {{"x-emulator-scenario", "tag=a"}}, "/_s/tokens=3");
  simdjson::dom::parser p;
  std::string storage;
  auto log = requests_log(p, storage);
  auto reqs = simdjson::dom::array(log["requests"]);
  ASSERT_EQ(reqs.size(), 1u);
  auto r = reqs.at(0).value();
  EXPECT_EQ(std::string_view(r["method"]), "POST");
  EXPECT_EQ(std::string_view(r["path"]), "/_s/tokens=3/v1/chat/completions");
  EXPECT_EQ(std::string_view(r["scenario"]), "tokens=3,tag=a");
  EXPECT_EQ(std::string_view(r["headers"]["authorization"]), "Bearer sk-test");
  EXPECT_EQ(std::string_view(r["body"]), kChatBody);
  EXPECT_EQ(int64_t(r["status"]), 200);
  EXPECT_TRUE(bool(r["completed"]));
  EXPECT_FALSE(bool(r["cancelled"]));
  EXPECT_GT(int64_t(r["conn"]), 0);
  http_request(port_, "POST", "/_emulator/reset", {});
  EXPECT_TRUE(emulator_.requests().empty());
}

// Polls the log until `pred` holds for the last record (or ~3 s pass).
template <class Pred>
bool eventually(Emulator& e, Pred pred) {
  for (int i = 0; i < 300; ++i) {
    auto records = e.requests();
    if (!records.empty() && pred(records.back())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST_F(EmulatorTest, ClientDisconnectMidStreamIsCancelled) {
  Connection c(port_);
  c.send("POST", "/v1/chat/completions",
         Headers{kOpenAI[0], {"x-emulator-scenario", "tokens=50,gap=50"}},
         R"({"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(c.read_head(), 200);
  EXPECT_GT(c.read_some(), 0u);
  auto started = std::chrono::steady_clock::now();
  c.close();
  EXPECT_TRUE(eventually(emulator_, [](const RequestRecord& r) { return r.cancelled; }));
  // Noticed promptly, long before the 2.5 s the stream would take.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1000));
  EXPECT_FALSE(emulator_.requests().back().completed);
}

TEST_F(EmulatorTest, ClientDisconnectDuringHangAndLatencyIsCancelled) {
  for (const char* scenario : {"hang=1", "latency=5000"}) {
    http_request(port_, "POST", "/_emulator/reset", {});
    Connection c(port_);
    c.send("POST", "/v1/chat/completions", Headers{kOpenAI[0], {"x-emulator-scenario", scenario}},
           kChatBody);
    ASSERT_TRUE(eventually(emulator_, [](const RequestRecord&) { return true; })) << scenario;
    c.close();
    EXPECT_TRUE(eventually(emulator_, [](const RequestRecord& r) { return r.cancelled; }))
        << scenario;
  }
}

TEST_F(EmulatorTest, DropAfterEndsStreamWithoutTerminator) {
  Response r = chat(R"({"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]})",
                    {{"x-emulator-scenario", "drop_after=3"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.body.find("[DONE]"), std::string::npos);
}

TEST_F(EmulatorTest, MalformedBodyIsNotJson) {
  Response r = chat(kChatBody, {{"x-emulator-scenario", "malformed=1"}});
  EXPECT_EQ(r.status, 200);
  simdjson::dom::parser p;
  EXPECT_NE(p.parse(r.body).error(), simdjson::SUCCESS);
}

TEST_F(EmulatorTest, LatencyDelaysResponse) {
  auto t0 = std::chrono::steady_clock::now();
  Response r = chat(kChatBody, {{"x-emulator-scenario", "latency=150"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(150));
}

TEST(EmulatorLifecycle, StartStopRestart) {
  Emulator e(Options{.threads = 2});
  uint16_t port = e.start();
  EXPECT_NE(port, 0);
  EXPECT_EQ(e.start(), port);
  EXPECT_EQ(http_request(port, "GET", "/_emulator/health", {}).status, 200);
  e.stop();
  e.stop();
  uint16_t again = e.start();
  EXPECT_EQ(http_request(again, "GET", "/_emulator/health", {}).status, 200);
}

}  // namespace
}  // namespace sy::emulator

namespace sy::emulator {
namespace {

TEST_F(EmulatorTest, HangingRequestIsNotCancelledWhileClientWaits) {
  Connection c(port_);
  c.send("POST", "/v1/chat/completions", Headers{kOpenAI[0], {"x-emulator-scenario", "hang=1"}},
         kChatBody);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto records = emulator_.requests();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].cancelled);
  EXPECT_FALSE(records[0].completed);
  c.close();
  EXPECT_TRUE(eventually(emulator_, [](const RequestRecord& r) { return r.cancelled; }));
}

TEST(EmulatorCommand, ServesUntilSigterm) {
  int rc = -1;
  std::thread server([&] { rc = run_emulator_command(Options{}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(::getpid(), SIGTERM);
  server.join();
  EXPECT_EQ(rc, 0);
}

}  // namespace
}  // namespace sy::emulator
