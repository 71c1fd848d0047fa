// parse_request: valid bodies for each endpoint, required fields, field types,
// malformed JSON, duplicate keys, limits, stream flags and UTF-8 edge cases.
#include "api/request.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

namespace sy::api {
namespace {

Expected<Request, ApiError> parse(Endpoint e, std::string body) {
  return parse_request(e, std::move(body));
}

Expected<Request, ApiError> chat(std::string body) {
  return parse(Endpoint::kChatCompletions, std::move(body));
}

// Expects a 400 naming `param`; returns the error for further checks.
ApiError expect_400(const Expected<Request, ApiError>& r, std::string_view param) {
  EXPECT_FALSE(r.has_value());
  if (r.has_value()) return {};
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().type, "invalid_request_error");
  EXPECT_EQ(r.error().param, param) << r.error().message;
  return r.error();
}

constexpr const char* kMsgs = R"("messages":[{"role":"user","content":"hi"}])";

TEST(ParseRequest, ValidChat) {
  auto r = chat(R"({"model":"gpt-4o","messages":[{"role":"system","content":"be brief"},)"
                R"({"role":"user","content":[{"type":"text","text":"hi"}]},)"
                R"({"role":"assistant","content":null,"tool_calls":[]},)"
                R"({"role":"tool","content":"42","tool_call_id":"call_1"}],)"
                R"("temperature":0.5,"top_p":1,"n":1,"stop":["\n"],"user":"u1",)"
                R"("tools":[],"tool_choice":"auto","response_format":{"type":"text"}})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->endpoint(), Endpoint::kChatCompletions);
  EXPECT_EQ(r->model(), "gpt-4o");
  EXPECT_FALSE(r->stream());
  EXPECT_FALSE(r->include_usage());
  EXPECT_FALSE(r->max_tokens().has_value());
  EXPECT_FALSE(r->stream_options_span().present());
  Span m = r->model_span();
  EXPECT_EQ(r->body().substr(m.begin, m.end - m.begin), "\"gpt-4o\"");
}

TEST(ParseRequest, SpansOfMembersAnywhereInTheBody) {
  auto r = chat(R"({"stream":true,"messages":[{"role":"user","content":"\"model\":1"}],)"
                R"("stream_options":{"include_usage":true},"user":"u","model":"last"})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  Span m = r->model_span();
  EXPECT_EQ(r->body().substr(m.begin, m.end - m.begin), "\"last\"");
  Span so = r->stream_options_span();
  EXPECT_EQ(r->body().substr(so.begin, so.end - so.begin), R"({"include_usage":true})");
  EXPECT_TRUE(r->include_usage());
}

TEST(ParseRequest, EmptyObjectIsMissingModel) {
  expect_400(chat("{}"), "model");
  expect_400(chat(R"({"messages":[]})"), "model");
}

TEST(ParseRequest, PaddedBodyIsParsedWhereItLies) {
  // A body with kBodyPadding spare bytes keeps its buffer: no copy.
  std::string body = std::string(R"({"model":"m",)") + kMsgs + "}";
  body.reserve(body.size() + kBodyPadding);
  const char* bytes = body.data();
  auto r = chat(std::move(body));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->body().data(), bytes);
}

TEST(ParseRequest, ValidCompletions) {
  auto r = parse(Endpoint::kCompletions, R"({"model":"davinci","prompt":"Say hi","max_tokens":5})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->model(), "davinci");
  EXPECT_EQ(r->max_tokens(), 5);
  auto arr = parse(Endpoint::kCompletions, R"({"model":"m","prompt":["a","b"]})");
  EXPECT_TRUE(arr.has_value());
}

TEST(ParseRequest, ValidEmbeddings) {
  auto r = parse(Endpoint::kEmbeddings,
                 R"({"model":"text-embedding-3-small","input":["a","b"],"dimensions":256,)"
                 R"("encoding_format":"float"})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->model(), "text-embedding-3-small");
  EXPECT_TRUE(parse(Endpoint::kEmbeddings, R"({"model":"e","input":"text"})").has_value());
}

TEST(ParseRequest, EndpointPaths) {
  EXPECT_EQ(endpoint_path(Endpoint::kChatCompletions), "/chat/completions");
  EXPECT_EQ(endpoint_path(Endpoint::kCompletions), "/completions");
  EXPECT_EQ(endpoint_path(Endpoint::kEmbeddings), "/embeddings");
  EXPECT_EQ(endpoint_path(Endpoint::kMessages), "/messages");
}

TEST(ParseRequest, RootStaysUsableAfterMoves) {
  auto r = chat(std::string(R"({"model":"m","seed":7,)") + kMsgs + "}");
  ASSERT_TRUE(r.has_value());
  Request moved = std::move(r).value();
  Request again = std::move(moved);
  int64_t seed = 0;
  ASSERT_EQ(again.root()["seed"].get_int64().get(seed), simdjson::SUCCESS);
  EXPECT_EQ(seed, 7);
  EXPECT_EQ(again.model(), "m");
}

TEST(ParseRequest, MissingModel) {
  auto e = expect_400(chat(std::string("{") + kMsgs + "}"), "model");
  EXPECT_EQ(e.code, "missing_required_parameter");
  expect_400(chat(std::string(R"({"model":null,)") + kMsgs + "}"), "model");
  expect_400(parse(Endpoint::kEmbeddings, R"({"input":"x"})"), "model");
  expect_400(parse(Endpoint::kCompletions, R"({"prompt":"x"})"), "model");
}

TEST(ParseRequest, ModelWrongTypeOrEmpty) {
  auto e = expect_400(chat(std::string(R"({"model":42,)") + kMsgs + "}"), "model");
  EXPECT_EQ(e.code, "invalid_type");
  EXPECT_NE(e.message.find("expected a string, but got integer"), std::string::npos) << e.message;
  e = expect_400(chat(std::string(R"({"model":"",)") + kMsgs + "}"), "model");
  EXPECT_EQ(e.code, "invalid_value");
}

TEST(ParseRequest, MissingMessagesPromptInput) {
  EXPECT_EQ(expect_400(chat(R"({"model":"m"})"), "messages").code, "missing_required_parameter");
  expect_400(chat(R"({"model":"m","messages":null})"), "messages");
  expect_400(parse(Endpoint::kCompletions, R"({"model":"m"})"), "prompt");
  expect_400(parse(Endpoint::kEmbeddings, R"({"model":"m"})"), "input");
  expect_400(parse(Endpoint::kMessages, R"({"model":"m"})"), "messages");
}

TEST(ParseRequest, RequiredFieldsWrongType) {
  expect_400(chat(R"({"model":"m","messages":"hi"})"), "messages");
  expect_400(parse(Endpoint::kCompletions, R"({"model":"m","prompt":5})"), "prompt");
  expect_400(parse(Endpoint::kEmbeddings, R"({"model":"m","input":{"a":1}})"), "input");
  expect_400(parse(Endpoint::kMessages, R"({"model":"m","messages":{}})"), "messages");
}

TEST(ParseRequest, MessagesShape) {
  EXPECT_EQ(expect_400(chat(R"({"model":"m","messages":[]})"), "messages").code, "empty_array");
  expect_400(chat(R"({"model":"m","messages":["hi"]})"), "messages[0]");
  expect_400(chat(R"({"model":"m","messages":[{"content":"x"}]})"), "messages[0].role");
  expect_400(chat(R"({"model":"m","messages":[{"role":1,"content":"x"}]})"), "messages[0].role");
  auto e = expect_400(chat(R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})"),
                      "messages[0].role");
  EXPECT_EQ(e.code, "invalid_value");
  expect_400(chat(R"({"model":"m","messages":[{"role":"user"}]})"), "messages[0].content");
  // An assistant message may omit content (tool calls only).
  EXPECT_TRUE(chat(R"({"model":"m","messages":[{"role":"assistant","tool_calls":[]}]})")
                  .has_value());
}

TEST(ParseRequest, MessageFieldTypesNameTheField) {
  const std::string head = R"({"model":"m","messages":[{"role":"user","content":"ok"},)";
  auto e = expect_400(chat(head + R"({"role":"user","content":5}]})"), "messages[1].content");
  EXPECT_EQ(e.code, "invalid_type");
  EXPECT_NE(e.message.find("messages[1].content"), std::string::npos);
  expect_400(chat(head + R"({"role":"user","content":{"a":1}}]})"), "messages[1].content");
  expect_400(chat(head + R"({"role":"user","content":["x"]}]})"), "messages[1].content[0]");
  expect_400(chat(head + R"({"role":"user","content":[{"text":"x"}]}]})"),
             "messages[1].content[0].type");
  expect_400(chat(head + R"({"role":"user","content":[{"type":7}]}]})"),
             "messages[1].content[0].type");
  expect_400(chat(head + R"({"role":"user","content":"x","name":1}]})"), "messages[1].name");
  expect_400(chat(head + R"({"role":"assistant","content":"x","tool_calls":{}}]})"),
             "messages[1].tool_calls");
  expect_400(chat(head + R"({"role":"tool","content":"x","tool_call_id":3}]})"),
             "messages[1].tool_call_id");
}

struct TypeCase {
  const char* field;
  const char* bad_value;
};

class CommonFieldTypes : public ::testing::TestWithParam<TypeCase> {};

TEST_P(CommonFieldTypes, WrongTypeNamesTheField) {
  const TypeCase& c = GetParam();
  std::string body = std::string(R"({"model":"m",)") + kMsgs + ",\"" + c.field + "\":" +
                     c.bad_value + "}";
  auto e = expect_400(chat(body), c.field);
  EXPECT_EQ(e.code, "invalid_type");
  EXPECT_NE(e.message.find(c.field), std::string::npos) << e.message;
}

INSTANTIATE_TEST_SUITE_P(
    AllValidatedFields, CommonFieldTypes,
    ::testing::Values(TypeCase{"temperature", "\"hot\""}, TypeCase{"top_p", "true"},
                      TypeCase{"frequency_penalty", "[]"}, TypeCase{"presence_penalty", "{}"},
                      TypeCase{"n", "1.5"}, TypeCase{"max_tokens", "\"10\""},
                      TypeCase{"max_completion_tokens", "2.5"}, TypeCase{"seed", "\"s\""},
                      TypeCase{"stream", "\"true\""}, TypeCase{"stream_options", "true"},
                      TypeCase{"stop", "5"}, TypeCase{"user", "7"}, TypeCase{"tools", "{}"},
                      TypeCase{"tool_choice", "3"}, TypeCase{"response_format", "\"json\""},
                      TypeCase{"logprobs", "1"}, TypeCase{"top_logprobs", "\"2\""},
                      TypeCase{"parallel_tool_calls", "\"no\""}, TypeCase{"metadata", "[]"},
                      TypeCase{"logit_bias", "[1]"}, TypeCase{"dimensions", "\"256\""},
                      TypeCase{"encoding_format", "1"}, TypeCase{"models", "\"a\""},
                      TypeCase{"route", "[]"}),
    [](const auto& info) { return std::string(info.param.field); });

TEST(ParseRequest, NullOptionalFieldsAreAbsent) {
  auto r = chat(std::string(R"({"model":"m",)") + kMsgs +
                R"(,"temperature":null,"stream":null,"max_tokens":null,"stop":null})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->stream());
  EXPECT_FALSE(r->max_tokens().has_value());
}

TEST(ParseRequest, IntegralDoublesAreIntegers) {
  auto r = chat(std::string(R"({"model":"m",)") + kMsgs + R"(,"max_tokens":16.0,"n":1e0})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->max_tokens(), 16);
}

TEST(ParseRequest, HugeNumbersDoNotOverflow) {
  // Doubles outside int64 range must be rejected or clamped, never cast blindly.
  auto r = chat(std::string(R"({"model":"m",)") + kMsgs + R"(,"n":1e300})");
  expect_400(r, "n");
  r = chat(std::string(R"({"model":"m",)") + kMsgs + R"(,"max_tokens":-1e300})");
  EXPECT_FALSE(r.has_value());
  r = chat(std::string(R"({"model":"m",)") + kMsgs + R"(,"max_tokens":18446744073709551615})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->max_tokens(), INT64_MAX);
}

TEST(ParseRequest, MaxTokensBelowOne) {
  auto e = expect_400(chat(std::string(R"({"model":"m",)") + kMsgs + R"(,"max_tokens":0})"),
                      "max_tokens");
  EXPECT_EQ(e.code, "integer_below_min_value");
  expect_400(chat(std::string(R"({"model":"m",)") + kMsgs + R"(,"max_completion_tokens":-5})"),
             "max_completion_tokens");
}

TEST(ParseRequest, MaxCompletionTokensWins) {
  auto r = chat(std::string(R"({"model":"m",)") + kMsgs +
                R"(,"max_tokens":100,"max_completion_tokens":7})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->max_tokens(), 7);
}

TEST(ParseRequest, StreamFlagsAndIncludeUsage) {
  auto r = chat(std::string(R"({"model":"m",)") + kMsgs + R"(,"stream":true})");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->stream());
  EXPECT_FALSE(r->include_usage());

  r = chat(std::string(R"({"model":"m",)") + kMsgs +
           R"(,"stream":true,"stream_options":{"include_usage":true}})");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->include_usage());
  Span so = r->stream_options_span();
  ASSERT_TRUE(so.present());
  EXPECT_EQ(r->body().substr(so.begin, so.end - so.begin), R"({"include_usage":true})");

  r = chat(std::string(R"({"model":"m",)") + kMsgs +
           R"(,"stream":true,"stream_options":{"include_usage":false}})");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->include_usage());

  expect_400(chat(std::string(R"({"model":"m",)") + kMsgs +
                  R"(,"stream_options":{"include_usage":"yes"}})"),
             "stream_options.include_usage");
}

TEST(ParseRequest, EmbeddingsCannotStream) {
  expect_400(parse(Endpoint::kEmbeddings, R"({"model":"m","input":"x","stream":true})"), "stream");
}

TEST(ParseRequest, MalformedJson) {
  for (const char* body : {"", "{", R"({"model":"m",})", R"({"model":"m" "x":1})", "nul",
                           R"({"model":"m"} trailing)", R"({'model':'m'})", "\xff\xfe"}) {
    auto r = chat(body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().status, 400);
    EXPECT_EQ(r.error().code, "invalid_json") << body;
  }
}

TEST(ParseRequest, NonObjectRoot) {
  for (const char* body : {"[]", "42", "\"model\"", "null", "true", R"([{"model":"m"}])"}) {
    auto r = chat(body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().code, "invalid_json") << body;
  }
}

TEST(ParseRequest, DuplicateTopLevelKeysRejected) {
  auto e = expect_400(chat(std::string(R"({"model":"a",)") + kMsgs + R"(,"model":"b"})"), "model");
  EXPECT_EQ(e.code, "duplicate_parameter");
  // An escaped spelling of the same key is still a duplicate.
  e = expect_400(chat(std::string(R"({"model":"a",)") + kMsgs + R"(,"mod\u0065l":"b"})"),
                 "model");
  EXPECT_EQ(e.code, "duplicate_parameter");
  expect_400(chat(std::string(R"({"model":"a",)") + kMsgs + R"(,"stream":true,"stream":false})"),
             "stream");
  // Duplicates inside nested objects are the upstream's business.
  EXPECT_TRUE(chat(std::string(R"({"model":"a",)") + kMsgs + R"(,"metadata":{"k":1,"k":2}})")
                  .has_value());
}

TEST(ParseRequest, DuplicatesAmongManyKeysRejected) {
  std::string body = std::string(R"({"model":"a",)") + kMsgs;
  for (int i = 0; i < 40; ++i) body += ",\"k" + std::to_string(i) + "\":1";
  body += R"(,"k7":2})";
  auto e = expect_400(chat(body), "k7");
  EXPECT_EQ(e.code, "duplicate_parameter");
}

// Several wrong fields: the one first in the rule table is named, whatever
// the order in the body.
TEST(ParseRequest, FirstWrongFieldIsReportedInRuleOrder) {
  expect_400(chat(std::string(R"({"model":"m",)") + kMsgs +
                  R"(,"user":5,"n":"x","top_p":"y","temperature":"z"})"),
             "temperature");
  expect_400(chat(std::string(R"({"user":5,"model":"m",)") + kMsgs + R"(,"n":"x"})"), "n");
}

TEST(ParseRequest, EscapedModelKeyIsFound) {
  auto r = chat(std::string(R"({"m\u006fdel":"gpt\u002d4o",)") + kMsgs + "}");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->model(), "gpt-4o");
  Span m = r->model_span();
  EXPECT_EQ(r->body().substr(m.begin, m.end - m.begin), R"("gpt\u002d4o")");
}

TEST(ParseRequest, Utf8EdgeCases) {
  // Multi-byte characters, surrogate pairs and a BOM-free body with CJK.
  auto r = chat(R"({"model":"模型-ü","messages":[{"role":"user","content":"😀 \ud83d\ude00 é"}]})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->model(), "模型-ü");
  // Invalid UTF-8 inside a string.
  auto bad = chat("{\"model\":\"m\xc3\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, "invalid_json");
  // Overlong encoding and a lone surrogate escape.
  EXPECT_EQ(chat("{\"model\":\"\xc0\xaf\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .error()
                .code,
            "invalid_json");
  EXPECT_FALSE(chat(R"({"model":"\ud800","messages":[{"role":"user","content":"x"}]})")
                   .has_value());
  // NUL escaped inside a string is fine.
  EXPECT_TRUE(chat(R"({"model":"a\u0000b","messages":[{"role":"user","content":"x"}]})")
                  .has_value());
}

TEST(ParseRequest, RoleValueIsTruncatedInMessage) {
  std::string role(1000, 'r');
  auto e = expect_400(chat(R"({"model":"m","messages":[{"role":")" + role + R"(","content":"x"}]})"),
                      "messages[0].role");
  EXPECT_LT(e.message.size(), 200u);
}

TEST(ParseRequest, OneMebibyteBody) {
  std::string content(1 << 20, 'a');
  auto r = chat(R"({"model":"big","messages":[{"role":"user","content":")" + content + "\"}]}");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->model(), "big");
  EXPECT_GT(r->body().size(), 1u << 20);
}

TEST(ParseRequest, ManyTopLevelKeysStayFast) {
  // ~1 MiB of distinct keys: duplicate detection must not be quadratic.
  std::string body = R"({"model":"m",)" + std::string(kMsgs);
  for (int i = 0; i < 80'000; ++i) body += ",\"k" + std::to_string(i) + "\":0";
  body += "}";
  auto start = std::chrono::steady_clock::now();
  auto r = chat(std::move(body));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_LT(elapsed, std::chrono::seconds(1));
}

TEST(ParseRequest, WhitespaceEverywhere) {
  auto r = chat(" \n\t{ \"model\" :\r\n \"m\" , \"messages\" : [ { \"role\" : \"user\" , "
                "\"content\" : \"x\" } ] , \"stream\" : true }\n ");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->stream());
  Span m = r->model_span();
  EXPECT_EQ(r->body().substr(m.begin, m.end - m.begin), "\"m\"");
}

TEST(ParseRequest, MessagesEndpointSkipsOpenAiFieldRules) {
  auto r = parse(Endpoint::kMessages,
                 R"({"model":"claude","messages":[],"max_tokens":10,"stop":{"x":1}})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->max_tokens(), 10);
}

}  // namespace
}  // namespace sy::api
