#include "providers/anthropic/stream.h"

#include <gtest/gtest.h>

#include <random>

#include "fixtures.h"

namespace sy::providers::anthropic {
namespace {

using testing::read_fixture;

constexpr int64_t kCreated = 1700000000;

struct Transcoded {
  std::string out;
  bool ok = true;
  UpstreamError error;
  api::Usage usage;
};

// Feeds `input` in pieces of the given sizes (cycled), then finishes.
Transcoded transcode(const std::string& input, const std::vector<std::size_t>& sizes) {
  AnthropicStreamTranscoder t("fallback-model", kCreated);
  Transcoded run;
  std::size_t pos = 0, k = 0;
  while (pos < input.size()) {
    std::size_t n = std::min(sizes[k++ % sizes.size()], input.size() - pos);
    auto r = t.feed(std::string_view(input).substr(pos, n), run.out);
    pos += n;
    if (!r) {
      run.ok = false;
      run.error = r.error();
      return run;
    }
  }
  auto r = t.finish(run.out);
  if (!r) {
    run.ok = false;
    run.error = r.error();
  }
  run.usage = t.usage();
  return run;
}

TEST(AnthropicStream, GoldenWhole) {
  Transcoded run = transcode(read_fixture("stream_text_tool.anthropic.sse"), {1 << 20});
  ASSERT_TRUE(run.ok) << run.error.error.message;
  EXPECT_EQ(run.out, read_fixture("stream_text_tool.openai.sse"));
  EXPECT_TRUE(run.usage.known);
  EXPECT_EQ(run.usage.prompt_tokens, 30);
  EXPECT_EQ(run.usage.cached_tokens, 5);
  EXPECT_EQ(run.usage.completion_tokens, 42);
}

TEST(AnthropicStream, GoldenByteByByte) {
  Transcoded run = transcode(read_fixture("stream_text_tool.anthropic.sse"), {1});
  ASSERT_TRUE(run.ok);
  EXPECT_EQ(run.out, read_fixture("stream_text_tool.openai.sse"));
}

TEST(AnthropicStream, GoldenRandomSplitsAndCrlf) {
  std::string input = read_fixture("stream_text_tool.anthropic.sse");
  std::string crlf;
  for (char c : input) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<std::size_t> sizes;
    for (int i = 0; i < 16; ++i) sizes.push_back(1 + rng() % 40);
    Transcoded run = transcode(trial % 2 ? crlf : input, sizes);
    ASSERT_TRUE(run.ok);
    EXPECT_EQ(run.out, read_fixture("stream_text_tool.openai.sse")) << "trial " << trial;
  }
}

std::string simple_stream(std::string_view stop_reason) {
  return std::string(
             "event: message_start\n"
             R"(data: {"type":"message_start","message":{"id":"msg_s","model":"claude-x","usage":{"input_tokens":3,"output_tokens":1}}})"
             "\n\n"
             "event: content_block_delta\n"
             R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}})"
             "\n\n"
             "event: message_delta\n"
             R"(data: {"type":"message_delta","delta":{"stop_reason":")") +
         std::string(stop_reason) +
         R"("},"usage":{"output_tokens":2}})"
         "\n\n"
         "event: message_stop\n"
         R"(data: {"type":"message_stop"})"
         "\n\n";
}

TEST(AnthropicStream, EachStopReason) {
  for (auto [stop, finish] :
       std::vector<std::pair<std::string, std::string>>{{"end_turn", "stop"},
                                                        {"stop_sequence", "stop"},
                                                        {"max_tokens", "length"},
                                                        {"tool_use", "tool_calls"},
                                                        {"refusal", "content_filter"}}) {
    Transcoded run = transcode(simple_stream(stop), {5});
    ASSERT_TRUE(run.ok);
    EXPECT_NE(run.out.find(R"("finish_reason":")" + finish + "\"}]"), std::string::npos) << stop;
    EXPECT_TRUE(run.out.ends_with("data: [DONE]\n\n"));
    EXPECT_EQ(run.usage.prompt_tokens, 3);
    EXPECT_EQ(run.usage.completion_tokens, 2);
  }
}

TEST(AnthropicStream, ErrorEventIsClassified) {
  std::string input =
      "event: message_start\n"
      R"(data: {"type":"message_start","message":{"id":"msg_e","model":"claude-x","usage":{"input_tokens":3}}})"
      "\n\n"
      "event: error\n"
      R"(data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"
      "\n\n";
  Transcoded run = transcode(input, {7});
  ASSERT_FALSE(run.ok);
  EXPECT_EQ(run.error.cls, ErrorClass::kOverloaded);
  EXPECT_TRUE(retryable(run.error.cls));
  EXPECT_NE(run.error.error.message.find("Overloaded"), std::string::npos);

  std::string api_error =
      "event: error\n"
      R"(data: {"type":"error","error":{"type":"api_error","message":"Internal"}})"
      "\n\n";
  Transcoded run2 = transcode(api_error, {100});
  ASSERT_FALSE(run2.ok);
  EXPECT_EQ(run2.error.cls, ErrorClass::kServerError);
}

TEST(AnthropicStream, TruncatedStreamIsAnError) {
  std::string input = simple_stream("end_turn");
  input.resize(input.find("event: message_stop"));
  AnthropicStreamTranscoder t("m", kCreated);
  std::string out;
  ASSERT_TRUE(t.feed(input, out).has_value());
  EXPECT_TRUE(t.started());
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
  auto r = t.finish(out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().cls, ErrorClass::kTransport);
}

TEST(AnthropicStream, BadJsonAndOversizedEventsFail) {
  Transcoded bad = transcode("event: message_start\ndata: {not json\n\n", {3});
  ASSERT_FALSE(bad.ok);
  EXPECT_EQ(bad.error.cls, ErrorClass::kServerError);

  AnthropicStreamTranscoder t("m", kCreated);
  std::string out;
  std::string chunk = "data: " + std::string(64 * 1024, 'x');
  bool failed = false;
  for (int i = 0; i < 40 && !failed; ++i) failed = !t.feed(chunk, out).has_value();
  EXPECT_TRUE(failed);
}

TEST(AnthropicStream, NotStartedBeforeAnyEvent) {
  AnthropicStreamTranscoder t("m", kCreated);
  std::string out;
  ASSERT_TRUE(t.feed("event: ping\ndata: {\"type\":\"ping\"}\n\n", out).has_value());
  EXPECT_FALSE(t.started());
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace sy::providers::anthropic
