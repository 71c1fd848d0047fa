// rewrite_body: the model value is spliced, stream_options.include_usage is
// forced when asked, and every other byte is forwarded unchanged.
#include "api/rewrite.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace sy::api {
namespace {

Request parsed(std::string body) {
  auto r = parse_request(Endpoint::kChatCompletions, std::move(body));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return std::move(r).value();
}

std::string rewrite(const std::string& body, std::string_view model, bool force = false) {
  Request req = parsed(body);
  return rewrite_body(req, {model, force});
}

// The rewritten body must itself be a valid request.
void expect_valid(const std::string& body) {
  auto r = parse_request(Endpoint::kChatCompletions, body);
  EXPECT_TRUE(r.has_value()) << body << " → " << (r ? "" : r.error().message);
}

const std::string kTail = R"("messages":[{"role":"user","content":"{\"model\":\"x\"}"}])";

TEST(Rewrite, ReplacesModelOnly) {
  std::string in = R"({"model":"alias",)" + kTail + R"(,"temperature":0.25})";
  std::string out = rewrite(in, "gpt-4o-2024-08-06");
  EXPECT_EQ(out, R"({"model":"gpt-4o-2024-08-06",)" + kTail + R"(,"temperature":0.25})");
  expect_valid(out);
}

TEST(Rewrite, EscapesTheNewModelName) {
  std::string in = R"({"model":"a",)" + kTail + "}";
  std::string out = rewrite(in, "we\"ird\\name\n\x01");
  EXPECT_EQ(out, R"({"model":"we\"ird\\name\n\u0001",)" + kTail + "}");
  Request r = parsed(out);
  EXPECT_EQ(r.model(), "we\"ird\\name\n\x01");
}

TEST(Rewrite, ModelNotFirstAndWhitespaceKept) {
  std::string in = "{ \n  " + kTail + " ,\n  \"model\" :\t\"old\"  ,\"n\" : 1 }";
  std::string out = rewrite(in, "new");
  EXPECT_EQ(out, "{ \n  " + kTail + " ,\n  \"model\" :\t\"new\"  ,\"n\" : 1 }");
}

TEST(Rewrite, EscapedModelKeyAndValue) {
  std::string in = R"({"mod\u0065l":"\u0061lias",)" + kTail + "}";
  std::string out = rewrite(in, "real");
  EXPECT_EQ(out, R"({"mod\u0065l":"real",)" + kTail + "}");
}

TEST(Rewrite, NoForceLeavesStreamOptionsAlone) {
  std::string in = R"({"model":"a",)" + kTail + R"(,"stream":true})";
  EXPECT_EQ(rewrite(in, "b", false), R"({"model":"b",)" + kTail + R"(,"stream":true})");
}

TEST(Rewrite, InsertsStreamOptionsWhenAbsent) {
  std::string in = R"({"model":"a",)" + kTail + R"(,"stream":true})";
  std::string out = rewrite(in, "b", true);
  EXPECT_EQ(out, R"({"stream_options":{"include_usage":true},"model":"b",)" + kTail +
                     R"(,"stream":true})");
  Request r = parsed(out);
  EXPECT_TRUE(r.include_usage());
}

TEST(Rewrite, InsertsAfterLeadingWhitespace) {
  std::string in = "  \n{\"model\":\"a\"," + kTail + ",\"stream\":true}";
  std::string out = rewrite(in, "b", true);
  EXPECT_EQ(out, "  \n{\"stream_options\":{\"include_usage\":true},\"model\":\"b\"," + kTail +
                     ",\"stream\":true}");
}

TEST(Rewrite, MergesIncludeUsageFalse) {
  std::string in = R"({"model":"a","stream":true,"stream_options":{"include_usage":false,)"
                   R"("extra":[1,{"x":"}"}]},)" +
                   kTail + "}";
  std::string out = rewrite(in, "b", true);
  EXPECT_EQ(out, R"({"model":"b","stream":true,"stream_options":{"extra":[1,{"x":"}"}],)"
                 R"("include_usage":true},)" +
                     kTail + "}");
  EXPECT_TRUE(parsed(out).include_usage());
}

TEST(Rewrite, StreamOptionsBeforeModel) {
  std::string in = R"({"stream_options":{},"stream":true,"model":"a",)" + kTail + "}";
  std::string out = rewrite(in, "bb", true);
  EXPECT_EQ(out, R"({"stream_options":{"include_usage":true},"stream":true,"model":"bb",)" +
                     kTail + "}");
}

TEST(Rewrite, NullStreamOptionsReplaced) {
  std::string in = R"({"model":"a","stream_options":null,"stream":true,)" + kTail + "}";
  std::string out = rewrite(in, "b", true);
  EXPECT_EQ(out, R"({"model":"b","stream_options":{"include_usage":true},"stream":true,)" +
                     kTail + "}");
}

TEST(Rewrite, IncludeUsageTrueUntouched) {
  std::string in =
      R"({"model":"a","stream_options": { "include_usage" : true },"stream":true,)" + kTail + "}";
  std::string out = rewrite(in, "b", true);
  EXPECT_EQ(out, R"({"model":"b","stream_options": { "include_usage" : true },"stream":true,)" +
                     kTail + "}");
}

TEST(Rewrite, StreamOptionsKeysWithEscapesSurvive) {
  std::string in = R"({"model":"a","stream_options":{"k\"ey":"v\\al","include_usage":false},)" +
                   kTail + "}";
  std::string out = rewrite(in, "b", true);
  EXPECT_EQ(out, R"({"model":"b","stream_options":{"k\"ey":"v\\al","include_usage":true},)" +
                     kTail + "}");
  expect_valid(out);
}

TEST(Rewrite, OtherBytesUntouchedByteForByte) {
  // Unusual but valid spellings elsewhere must survive exactly.
  std::string in = "{\"temperature\":1.0E+0,\"user\":\"\\u00e9\\/\",\"model\" : \"a\"," + kTail +
                   ",\"metadata\":{\"model\":\"inner\"},\"stop\":[\"\\\"\"]}";
  std::string out = rewrite(in, "z");
  std::string expected = in;
  expected.replace(expected.find("\"a\""), 3, "\"z\"");
  EXPECT_EQ(out, expected);
  expect_valid(out);
}

TEST(Rewrite, EmptyUpstreamModelStillValidJson) {
  std::string out = rewrite(R"({"model":"a",)" + kTail + "}", "");
  EXPECT_EQ(out, R"({"model":"",)" + kTail + "}");
}

}  // namespace
}  // namespace sy::api

namespace sy::api {
namespace {

TEST(Rewrite, DropsGatewayFieldsModelsAndRoute) {
  const std::string body =
      R"({"model":"auto","models":["a","b"],"messages":[{"role":"user","content":"hi"}],)"
      R"("route":{"privacy":"local","tier":"mini"}})";
  std::string out = rewrite(body, "gpt-4o-mini", true);
  expect_valid(out);
  EXPECT_EQ(out.find("\"models\""), std::string::npos) << out;
  EXPECT_EQ(out.find("\"route\""), std::string::npos) << out;
  EXPECT_NE(out.find(R"("model":"gpt-4o-mini")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("include_usage":true)"), std::string::npos) << out;
  // Only the route field, first and last.
  const std::string msgs = R"("messages":[{"role":"user","content":"hi"}])";
  out = rewrite(R"({"route":{"tier":"mini"},"model":"auto",)" + msgs + "}", "m");
  expect_valid(out);
  EXPECT_EQ(out, R"({"model":"m",)" + msgs + "}");
  out = rewrite(R"({"model":"auto",)" + msgs + R"(,"route":{"tier":"mini"}})", "m");
  expect_valid(out);
  EXPECT_EQ(out, R"({"model":"m",)" + msgs + "}");
}

}  // namespace
}  // namespace sy::api
