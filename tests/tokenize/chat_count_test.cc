// Chat counts against the numbers the openai-cookbook notebook "How to count tokens with
// tiktoken" reports (and says the API's usage.prompt_tokens confirmed).
#include "tokenize/chat_count.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace sy::tokenize {
namespace {

constexpr char kCookbookMessages[] = R"([
  {"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
  {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
  {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
  {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
  {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to do better."},
  {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."}
])";

constexpr char kWeatherTools[] = R"([{
  "type": "function",
  "function": {
    "name": "get_current_weather",
    "description": "Get the current weather in a given location",
    "parameters": {
      "type": "object",
      "properties": {
        "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
        "unit": {"type": "string", "description": "The unit of temperature to return",
                 "enum": ["celsius", "fahrenheit"]}
      },
      "required": ["location"]
    }
  }
}])";

constexpr char kWeatherMessages[] = R"([
  {"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
  {"role": "user", "content": "What's the weather like in San Francisco?"}
])";

class ChatCountTest : public ::testing::Test {
 protected:
  simdjson::dom::array parse(const char* json) {
    return parser_.parse(std::string(json)).get_array().value();
  }
  simdjson::dom::parser parser_;
  simdjson::dom::parser second_parser_;
};

TEST_F(ChatCountTest, CookbookConversation) {
  EXPECT_EQ(count_chat_prompt(parse(kCookbookMessages), Encoding::kCl100kBase), 129u);  // gpt-4
  EXPECT_EQ(count_chat_prompt(parse(kCookbookMessages), Encoding::kO200kBase), 124u);   // gpt-4o
}

TEST_F(ChatCountTest, CookbookToolsExample) {
  simdjson::dom::array messages = parse(kWeatherMessages);
  simdjson::dom::array tools = second_parser_.parse(std::string(kWeatherTools)).get_array().value();
  EXPECT_EQ(count_chat_prompt(messages, Encoding::kCl100kBase) +
                count_tools(tools, Encoding::kCl100kBase),
            105u);  // gpt-4, gpt-3.5-turbo
  EXPECT_EQ(
      count_chat_prompt(messages, Encoding::kO200kBase) + count_tools(tools, Encoding::kO200kBase),
      101u);  // gpt-4o, gpt-4o-mini
}

TEST_F(ChatCountTest, EmptyInputs) {
  EXPECT_EQ(count_chat_prompt(parse("[]"), Encoding::kO200kBase), kReplyPrimingTokens);
  EXPECT_EQ(count_tools(parse("[]"), Encoding::kO200kBase), 0u);
}

TEST_F(ChatCountTest, ContentPartsCountTextAndEstimateImages) {
  const Tokenizer& tok = tokenizer(Encoding::kO200kBase);
  const size_t text_only = count_chat_prompt(
      parse(R"([{"role": "user", "content": "Describe this picture."}])"), Encoding::kO200kBase);
  const size_t with_parts = count_chat_prompt(parse(R"([{"role": "user", "content": [
      {"type": "text", "text": "Describe this picture."},
      {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
      {"type": "image_url", "image_url": {"url": "https://example.com/b.png", "detail": "low"}},
      {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}
    ]}])"),
                                              Encoding::kO200kBase);
  EXPECT_EQ(with_parts, text_only + kDefaultImageTokens + kLowDetailImageTokens);
  EXPECT_EQ(text_only, kReplyPrimingTokens + kTokensPerMessage + tok.count("user") +
                           tok.count("Describe this picture."));
}

TEST_F(ChatCountTest, ToolCallsAndNullContent) {
  const Tokenizer& tok = tokenizer(Encoding::kCl100kBase);
  const size_t count = count_chat_prompt(parse(R"([
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "get_current_weather", "arguments": "{\"location\": \"Paris\"}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "22 C"}
    ])"),
                                         Encoding::kCl100kBase);
  const size_t expected = kReplyPrimingTokens + 2 * kTokensPerMessage + tok.count("assistant") +
                          tok.count("get_current_weather") +
                          tok.count("{\"location\": \"Paris\"}") + tok.count("tool") +
                          tok.count("call_1") + tok.count("22 C");
  EXPECT_EQ(count, expected);
}

TEST_F(ChatCountTest, MalformedShapesAreSkipped) {
  EXPECT_EQ(count_chat_prompt(parse(R"([1, "x", null, {"role": 5, "content": {"a": 1}}])"),
                              Encoding::kO200kBase),
            kReplyPrimingTokens + kTokensPerMessage);
  EXPECT_EQ(count_tools(parse(R"([{"type": "function", "function": {"name": "f",
      "parameters": {"properties": {"p": 3, "q": {"enum": [1, "a"]}}}}}])"),
                        Encoding::kO200kBase),
            7u + tokenizer(Encoding::kO200kBase).count("f:") + 3 + 3 +
                tokenizer(Encoding::kO200kBase).count("p::") + 3 + 3 + 3 +
                tokenizer(Encoding::kO200kBase).count("a") - 3 +
                tokenizer(Encoding::kO200kBase).count("q::") + 12);
}

}  // namespace
}  // namespace sy::tokenize

namespace sy::tokenize {
namespace {

class ChatBoundTest : public ChatCountTest {};

TEST_F(ChatBoundTest, UpperBoundsNeverBelowTheCount) {
  const char* message_sets[] = {
      kCookbookMessages, kWeatherMessages, "[]",
      R"([{"role":"user","content":"日本語のテキストと絵文字 🎉🎉 and ünïcödé"},
          {"role":"user","content":[{"type":"text","text":"   many    spaces   "},
                                    {"type":"image_url","image_url":{"url":"u","detail":"high"}},
                                    {"type":"image_url","image_url":{"url":"u","detail":"low"}}]},
          {"role":"assistant","content":null,"tool_calls":[{"type":"function",
            "function":{"name":"f","arguments":"{\"a\":1}"}}]},
          {"role":"tool","tool_call_id":"call_1","name":"f","content":"42"}])"};
  for (const char* json : message_sets) {
    simdjson::dom::array messages = parse(json);
    for (Encoding e : {Encoding::kO200kBase, Encoding::kCl100kBase}) {
      EXPECT_GE(chat_prompt_upper_bound(messages), count_chat_prompt(messages, e)) << json;
    }
  }
  const char* enum_tools = R"([{"type":"function","function":{"name":"pick","description":"d.",
      "parameters":{"type":"object","properties":{"c":{"type":"string","enum":["a","b","c"]},
      "n":{"type":["integer","null"]}}}}}])";
  for (const char* json : {kWeatherTools, enum_tools, "[]"}) {
    simdjson::dom::array tools = second_parser_.parse(std::string(json)).get_array().value();
    for (Encoding e : {Encoding::kO200kBase, Encoding::kCl100kBase}) {
      EXPECT_GE(tools_upper_bound(tools, e), count_tools(tools, e)) << json;
    }
  }
}

TEST_F(ChatBoundTest, BoundCountsBytesWithTheSameOverheads) {
  // 3 priming + 3 per message + bytes of "user" (4) + bytes of "hello" (5).
  EXPECT_EQ(chat_prompt_upper_bound(parse(R"([{"role":"user","content":"hello"}])")), 15u);
}

}  // namespace
}  // namespace sy::tokenize
