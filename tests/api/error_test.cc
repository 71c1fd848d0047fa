// error_body and the ApiError constructors: OpenAI's exact shape, escaping,
// null for empty fields, status codes.
#include "api/error.h"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace sy::api {
namespace {

TEST(ErrorBody, ShapeWithNulls) {
  ApiError e = internal_error("boom");
  EXPECT_EQ(e.status, 500);
  EXPECT_EQ(error_body(e),
            R"({"error":{"message":"boom","type":"server_error","param":null,"code":"internal_error"}})");
  ApiError bare{400, "", "", "", "m"};
  EXPECT_EQ(error_body(bare), R"({"error":{"message":"m","type":null,"param":null,"code":null}})");
}

TEST(ErrorBody, EscapesEverything) {
  ApiError e = invalid_request("quote \" backslash \\ nl \n tab \t ctl \x01 bell \x7f é", "p\"",
                               "c");
  std::string body = error_body(e);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(body).get(root), simdjson::SUCCESS) << body;
  std::string_view msg;
  ASSERT_EQ(root["error"]["message"].get(msg), simdjson::SUCCESS);
  EXPECT_EQ(msg, "quote \" backslash \\ nl \n tab \t ctl \x01 bell \x7f é");
  std::string_view param;
  ASSERT_EQ(root["error"]["param"].get(param), simdjson::SUCCESS);
  EXPECT_EQ(param, "p\"");
}

TEST(AppendJsonEscaped, ControlCharacters) {
  std::string out;
  append_json_escaped(out, std::string_view("\0\b\f\r\x1f", 5));
  EXPECT_EQ(out, "\\u0000\\b\\f\\r\\u001f");
}

TEST(ErrorConstructors, StatusAndCodes) {
  EXPECT_EQ(invalid_request("x").status, 400);
  ApiError m = model_not_found("gpt-9");
  EXPECT_EQ(m.status, 404);
  EXPECT_EQ(m.code, "model_not_found");
  EXPECT_EQ(m.param, "model");
  EXPECT_NE(m.message.find("gpt-9"), std::string::npos);
  EXPECT_EQ(not_found("x").status, 404);
  ApiError big = payload_too_large(1024);
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(big.message.find("1024"), std::string::npos);
  EXPECT_EQ(unauthorized("x").status, 401);
  EXPECT_EQ(forbidden("x").status, 403);
  EXPECT_EQ(rate_limited("x").status, 429);
  EXPECT_EQ(rate_limited("x").code, "rate_limit_exceeded");
  EXPECT_EQ(insufficient_quota("x").type, "insufficient_quota");
  EXPECT_EQ(bad_gateway("x").status, 502);
  EXPECT_EQ(gateway_timeout("x").status, 504);
  EXPECT_EQ(service_unavailable("x").status, 503);
}

}  // namespace
}  // namespace sy::api
