#include "providers/anthropic/errors.h"

#include <gtest/gtest.h>

namespace sy::providers::anthropic {
namespace {

std::string body(std::string_view type, std::string_view message) {
  return std::string(R"({"type":"error","error":{"type":")") + std::string(type) +
         R"(","message":")" + std::string(message) + R"("}})";
}

struct Case {
  int status;
  std::string type;
  std::string message;
  ErrorClass cls;
  int client_status;
};

TEST(AnthropicErrors, ClassifyPerStatus) {
  const std::vector<Case> cases{
      {400, "invalid_request_error", "messages: field required", ErrorClass::kClientError, 400},
      {400, "invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum",
       ErrorClass::kContextLength, 400},
      {401, "authentication_error", "invalid x-api-key", ErrorClass::kAuth, 502},
      {403, "permission_error", "no access", ErrorClass::kAuth, 502},
      {404, "not_found_error", "model: claude-x", ErrorClass::kClientError, 404},
      {413, "request_too_large", "Request exceeds the maximum size", ErrorClass::kClientError, 413},
      {429, "rate_limit_error", "Number of requests exceeded", ErrorClass::kRateLimited, 429},
      {500, "api_error", "Internal server error", ErrorClass::kServerError, 502},
      {529, "overloaded_error", "Overloaded", ErrorClass::kOverloaded, 503},
  };
  for (const Case& c : cases) {
    UpstreamError e = classify_error(c.status, body(c.type, c.message));
    EXPECT_EQ(e.cls, c.cls) << c.status << " " << c.message;
    EXPECT_EQ(e.error.status, c.client_status) << c.status;
    EXPECT_NE(e.error.message.find(c.message), std::string::npos) << e.error.message;
  }
  EXPECT_EQ(classify_error(400, body("invalid_request_error", "prompt is too long")).error.code,
            "context_length_exceeded");
  EXPECT_TRUE(retryable(classify_error(529, body("overloaded_error", "x")).cls));
  EXPECT_FALSE(retryable(classify_error(400, body("invalid_request_error", "x")).cls));
}

TEST(AnthropicErrors, NonJsonBodiesStillClassify) {
  UpstreamError e = classify_error(502, "<html>bad gateway</html>");
  EXPECT_EQ(e.cls, ErrorClass::kServerError);
  EXPECT_FALSE(e.error.message.empty());
  EXPECT_EQ(classify_error(503, "").cls, ErrorClass::kOverloaded);
  EXPECT_EQ(classify_error(418, "").cls, ErrorClass::kClientError);
}

TEST(AnthropicErrors, LongMessagesAreBounded) {
  UpstreamError e = classify_error(400, body("invalid_request_error", std::string(10000, 'a')));
  EXPECT_LT(e.error.message.size(), 1100u);
}

TEST(AnthropicErrors, StreamErrorTypes) {
  EXPECT_EQ(stream_error("overloaded_error", "x").cls, ErrorClass::kOverloaded);
  EXPECT_EQ(stream_error("rate_limit_error", "x").cls, ErrorClass::kRateLimited);
  EXPECT_EQ(stream_error("api_error", "x").cls, ErrorClass::kServerError);
  EXPECT_EQ(stream_error("invalid_request_error", "prompt is too long").cls,
            ErrorClass::kContextLength);
}

}  // namespace
}  // namespace sy::providers::anthropic
