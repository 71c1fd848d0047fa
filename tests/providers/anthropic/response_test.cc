#include "providers/anthropic/response.h"

#include <gtest/gtest.h>

#include "api/request.h"
#include "fixtures.h"
#include "providers/anthropic/adapter.h"

namespace sy::providers::anthropic {
namespace {

using testing::normalize;
using testing::read_fixture;

TEST(AnthropicResponse, TextWithCacheUsage) {
  auto out = decode_message(read_fixture("response_text.anthropic.json"), "fallback", 1700000000);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->body, normalize(read_fixture("response_text.openai.json")));
  EXPECT_TRUE(out->usage.known);
  EXPECT_EQ(out->usage.prompt_tokens, 2112);
  EXPECT_EQ(out->usage.completion_tokens, 6);
  EXPECT_EQ(out->usage.cached_tokens, 2000);
  EXPECT_EQ(out->usage.cache_creation_tokens, 100);
}

TEST(AnthropicResponse, ToolUse) {
  auto out =
      decode_message(read_fixture("response_tool_use.anthropic.json"), "fallback", 1700000000);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->body, normalize(read_fixture("response_tool_use.openai.json")));
  EXPECT_EQ(out->usage.total(), 80);
}

TEST(AnthropicResponse, EachStopReason) {
  EXPECT_EQ(finish_reason_for("end_turn"), "stop");
  EXPECT_EQ(finish_reason_for("stop_sequence"), "stop");
  EXPECT_EQ(finish_reason_for("max_tokens"), "length");
  EXPECT_EQ(finish_reason_for("tool_use"), "tool_calls");
  EXPECT_EQ(finish_reason_for("refusal"), "content_filter");
  EXPECT_EQ(finish_reason_for("pause_turn"), "stop");
}

TEST(AnthropicResponse, UndecodableBodyIsServerError) {
  auto out = decode_message("<html>oops</html>", "m", 1);
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().cls, ErrorClass::kServerError);
  EXPECT_FALSE(decode_message(R"({"type":"message"})", "m", 1).has_value());
}

TEST(AnthropicResponse, AdapterDecodeUsesInjectedClockAndRequestModelFallback) {
  AnthropicAdapter adapter(std::make_shared<testing::FixedIds>());
  auto req = api::parse_request(api::Endpoint::kChatCompletions,
                                R"({"model":"alias","messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(req.has_value());
  auto out = adapter.decode(
      *req, R"({"id":"msg_9","content":[{"type":"text","text":"ok"}],"stop_reason":"max_tokens"})");
  ASSERT_TRUE(out.has_value());
  EXPECT_NE(out->body.find(R"("created":1700000000)"), std::string::npos);
  EXPECT_NE(out->body.find(R"("model":"alias")"), std::string::npos);
  EXPECT_NE(out->body.find(R"("finish_reason":"length")"), std::string::npos);
  EXPECT_FALSE(out->usage.known);
}

}  // namespace
}  // namespace sy::providers::anthropic
