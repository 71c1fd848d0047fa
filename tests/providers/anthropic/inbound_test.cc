#include "providers/anthropic/inbound.h"

#include <gtest/gtest.h>

#include "api/request.h"
#include "fixtures.h"
#include "providers/anthropic/request.h"
#include "providers/anthropic/response.h"
#include "providers/anthropic/stream.h"

namespace sy::providers::anthropic {
namespace {

using testing::normalize;
using testing::read_fixture;

TEST(AnthropicInbound, RequestToOpenAiGolden) {
  auto out = messages_to_openai_chat(read_fixture("inbound_request.anthropic.json"));
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(*out, normalize(read_fixture("inbound_request.openai.json")));
  // The translation is a valid gateway request.
  auto req = api::parse_request(api::Endpoint::kChatCompletions, *out);
  ASSERT_TRUE(req.has_value()) << req.error().message;
  EXPECT_TRUE(req->stream());
  EXPECT_TRUE(req->include_usage());
  EXPECT_EQ(req->max_tokens(), 1024);
}

TEST(AnthropicInbound, RequestRoundTripThroughTheAnthropicEncoder) {
  auto openai = messages_to_openai_chat(read_fixture("inbound_request.anthropic.json"));
  ASSERT_TRUE(openai.has_value());
  auto req = api::parse_request(api::Endpoint::kChatCompletions, *openai);
  ASSERT_TRUE(req.has_value());
  auto back = encode_messages_body(*req, "claude-3-5-sonnet-latest", 0);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, normalize(R"({"model":"claude-3-5-sonnet-latest","max_tokens":1024,
    "system":"Be brief.\nUse metric units.",
    "messages":[
      {"role":"user","content":[{"type":"text","text":"What's the weather?"},
        {"type":"text","text":"Here is a photo"},
        {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}},
        {"type":"image","source":{"type":"url","url":"https://example.com/sky.png"}}]},
      {"role":"assistant","content":[{"type":"text","text":"Checking."},
        {"type":"tool_use","id":"toolu_A","name":"get_weather","input":{"city":"Paris"}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_A","content":"18C"},
        {"type":"text","text":"And tomorrow?"}]}],
    "temperature":0.2,"stop_sequences":["###"],"metadata":{"user_id":"u-7"},
    "tools":[{"name":"get_weather","description":"Weather now",
      "input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
    "tool_choice":{"type":"tool","name":"get_weather","disable_parallel_tool_use":true},
    "stream":true})"));
}

TEST(AnthropicInbound, RequestValidationInAnthropicTerms) {
  auto missing_max = messages_to_openai_chat(R"({"model":"m","messages":[]})");
  ASSERT_FALSE(missing_max.has_value());
  EXPECT_EQ(missing_max.error().status, 400);
  EXPECT_EQ(missing_max.error().message, "max_tokens: Field required");
  EXPECT_EQ(
      anthropic_error_body(missing_max.error()),
      R"({"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}})");

  auto bad_role = messages_to_openai_chat(
      R"({"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]})");
  ASSERT_FALSE(bad_role.has_value());
  EXPECT_EQ(bad_role.error().message, "messages.0.role: Input should be 'user' or 'assistant'");

  EXPECT_FALSE(messages_to_openai_chat("not json").has_value());
  EXPECT_FALSE(messages_to_openai_chat(R"({"max_tokens":5,"messages":[]})").has_value());
  EXPECT_FALSE(
      messages_to_openai_chat(
          R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document"}]}]})")
          .has_value());
  EXPECT_FALSE(
      messages_to_openai_chat(
          R"({"model":"m","max_tokens":5,"messages":[],"tools":[{"type":"web_search_20250305","name":"ws"}]})")
          .has_value());
}

TEST(AnthropicInbound, ToolChoiceMapping) {
  auto choice = [](std::string tc) {
    auto out = messages_to_openai_chat(
        R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],)"
        R"("tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":)" +
        tc + "}");
    EXPECT_TRUE(out.has_value());
    std::string s = *out;
    simdjson::dom::parser p;
    return simdjson::minify(p.parse(s)["tool_choice"]);
  };
  EXPECT_EQ(choice(R"({"type":"auto"})"), R"("auto")");
  EXPECT_EQ(choice(R"({"type":"any"})"), R"("required")");
  EXPECT_EQ(choice(R"({"type":"none"})"), R"("none")");
}

TEST(AnthropicInbound, ResponseToMessageGolden) {
  auto out = openai_response_to_messages(read_fixture("inbound_response.openai.json"),
                                         "claude-3-5-sonnet-latest");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, normalize(read_fixture("inbound_response.anthropic.json")));
}

TEST(AnthropicInbound, ResponseRoundTripFromAnthropicDecode) {
  auto openai = decode_message(read_fixture("response_tool_use.anthropic.json"), "m", 1);
  ASSERT_TRUE(openai.has_value());
  auto back = openai_response_to_messages(openai->body, "claude-alias");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, normalize(R"({"id":"msg_02","type":"message","role":"assistant",
    "model":"claude-alias","content":[
      {"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Paris","units":["c"]}},
      {"type":"tool_use","id":"toolu_01B","name":"now","input":{}}],
    "stop_reason":"tool_use","stop_sequence":null,
    "usage":{"input_tokens":50,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":30}})"));
}

TEST(AnthropicInbound, StopReasons) {
  for (auto [finish, stop] :
       std::vector<std::pair<std::string, std::string>>{{"stop", "end_turn"},
                                                        {"length", "max_tokens"},
                                                        {"tool_calls", "tool_use"},
                                                        {"content_filter", "refusal"}}) {
    auto out = openai_response_to_messages(
        R"({"id":"x","choices":[{"message":{"content":"a"},"finish_reason":")" + finish + "\"}]}",
        "m");
    ASSERT_TRUE(out.has_value());
    EXPECT_NE(out->find(R"("stop_reason":")" + stop + "\""), std::string::npos) << finish;
  }
  EXPECT_FALSE(openai_response_to_messages(R"({"choices":[]})", "m").has_value());
}

// Anthropic SSE → OpenAI chunks (adapter) → Anthropic SSE (inbound), fed in
// pieces of `step` bytes at each stage.
std::string round_trip_stream(std::size_t step) {
  std::string anthropic = read_fixture("stream_text_tool.anthropic.sse");
  AnthropicStreamTranscoder to_openai("m", 1700000000);
  std::string openai;
  for (std::size_t i = 0; i < anthropic.size(); i += step) {
    EXPECT_TRUE(to_openai.feed(std::string_view(anthropic).substr(i, step), openai).has_value());
  }
  EXPECT_TRUE(to_openai.finish(openai).has_value());
  OpenAiToAnthropicStream back("msg_rt", "claude-rt");
  std::string out;
  for (std::size_t i = 0; i < openai.size(); i += step) {
    EXPECT_TRUE(back.feed(std::string_view(openai).substr(i, step), out).has_value());
  }
  EXPECT_TRUE(back.finish(out).has_value());
  EXPECT_TRUE(back.done());
  return out;
}

TEST(AnthropicInbound, StreamRoundTripGolden) {
  EXPECT_EQ(round_trip_stream(1 << 20), read_fixture("inbound_stream.anthropic.sse"));
}

TEST(AnthropicInbound, StreamRoundTripByteByByte) {
  EXPECT_EQ(round_trip_stream(1), read_fixture("inbound_stream.anthropic.sse"));
  EXPECT_EQ(round_trip_stream(13), read_fixture("inbound_stream.anthropic.sse"));
}

TEST(AnthropicInbound, StreamParallelToolCallsAndFinishWithoutDone) {
  std::string openai =
      R"(data: {"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":""}}]}}]})"
      "\n\n"
      R"(data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]})"
      "\n\n"
      R"(data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"g","arguments":"{\"x\":1}"}}]}}]})"
      "\n\n"
      R"(data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})"
      "\n\n";
  OpenAiToAnthropicStream s("msg_p", "m");
  std::string out;
  ASSERT_TRUE(s.feed(openai, out).has_value());
  ASSERT_TRUE(s.finish(out).has_value());
  std::vector<std::string> names;
  for (std::size_t pos = 0; (pos = out.find("event: ", pos)) != std::string::npos;) {
    std::size_t end = out.find('\n', pos);
    names.push_back(out.substr(pos + 7, end - pos - 7));
    pos = end;
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "message_start", "content_block_start", "content_block_delta",
                       "content_block_stop", "content_block_start", "content_block_delta",
                       "content_block_stop", "message_delta", "message_stop"}));
  EXPECT_NE(out.find(R"("index":1,"content_block":{"type":"tool_use","id":"call_b","name":"g")"),
            std::string::npos);
  EXPECT_NE(out.find(R"("stop_reason":"tool_use")"), std::string::npos);
}

TEST(AnthropicInbound, StreamErrorsAndTruncation) {
  OpenAiToAnthropicStream truncated("msg_t", "m");
  std::string out;
  ASSERT_TRUE(truncated
                  .feed(R"(data: {"choices":[{"index":0,"delta":{"content":"hi"}}]})"
                        "\n\n",
                        out)
                  .has_value());
  auto r = truncated.finish(out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status, 502);
  append_anthropic_error_event(out, r.error());
  EXPECT_NE(out.find("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\""),
            std::string::npos);

  OpenAiToAnthropicStream errored("msg_e", "m");
  std::string out2;
  auto e = errored.feed(R"(data: {"error":{"message":"boom","type":"server_error"}})"
                        "\n\n",
                        out2);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().message, "boom");
}

TEST(AnthropicInbound, ErrorTypesByStatus) {
  EXPECT_EQ(anthropic_error_type(401), "authentication_error");
  EXPECT_EQ(anthropic_error_type(403), "permission_error");
  EXPECT_EQ(anthropic_error_type(404), "not_found_error");
  EXPECT_EQ(anthropic_error_type(413), "request_too_large");
  EXPECT_EQ(anthropic_error_type(429), "rate_limit_error");
  EXPECT_EQ(anthropic_error_type(500), "api_error");
  EXPECT_EQ(anthropic_error_type(502), "api_error");
  EXPECT_EQ(anthropic_error_type(529), "overloaded_error");
  EXPECT_EQ(anthropic_error_type(422), "invalid_request_error");
}

}  // namespace
}  // namespace sy::providers::anthropic
