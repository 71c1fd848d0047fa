// OpenAiStreamRelay: relays events, extracts usage, strips the usage-only
// chunk unless the client asked for it, reports truncation and in-stream
// errors, and gives identical output however the bytes are split.
#include "providers/openai/stream.h"

#include <gtest/gtest.h>

#include <string>

namespace sy::providers::openai {
namespace {

constexpr std::string_view kChunk1 =
    R"({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"}}]})";
constexpr std::string_view kChunk2 =
    R"({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]})";
constexpr std::string_view kUsageChunk =
    R"({"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":12,)"
    R"("completion_tokens":3,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":4},)"
    R"("completion_tokens_details":{"reasoning_tokens":1}}})";

std::string sse(std::string_view data) { return "data: " + std::string(data) + "\n\n"; }

std::string full_stream() {
  return sse(kChunk1) + sse(kChunk2) + sse(kUsageChunk) + "data: [DONE]\n\n";
}

struct RelayRun {
  std::string out;
  bool ok = true;
  std::optional<UpstreamError> error;
  api::Usage usage;
  bool started = false;
};

// Feeds `input` in pieces of `piece` bytes (0 = all at once), then finishes.
RelayRun relay(std::string_view input, bool wants_usage, std::size_t piece = 0) {
  OpenAiStreamRelay stream_relay(wants_usage);
  RelayRun r;
  if (piece == 0) piece = input.size() ? input.size() : 1;
  for (std::size_t pos = 0; pos < input.size(); pos += piece) {
    auto res = stream_relay.feed(input.substr(pos, piece), r.out);
    if (!res) {
      r.ok = false;
      r.error = res.error();
      break;
    }
  }
  if (r.ok) {
    auto res = stream_relay.finish(r.out);
    if (!res) {
      r.ok = false;
      r.error = res.error();
    }
  }
  r.usage = stream_relay.usage();
  r.started = stream_relay.started();
  return r;
}

TEST(OpenAiStreamRelay, ExtractsUsageAndKeepsUsageChunkWhenAsked) {
  RelayRun r = relay(full_stream(), /*wants_usage=*/true);
  ASSERT_TRUE(r.ok) << r.error->error.message;
  EXPECT_EQ(r.out, full_stream());
  EXPECT_TRUE(r.usage.known);
  EXPECT_EQ(r.usage.prompt_tokens, 12);
  EXPECT_EQ(r.usage.completion_tokens, 3);
  EXPECT_EQ(r.usage.cached_tokens, 4);
  EXPECT_EQ(r.usage.reasoning_tokens, 1);
  EXPECT_EQ(r.usage.total(), 15);
  EXPECT_TRUE(r.started);
}

TEST(OpenAiStreamRelay, StripsUsageOnlyChunkWhenNotAsked) {
  RelayRun r = relay(full_stream(), /*wants_usage=*/false);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.out, sse(kChunk1) + sse(kChunk2) + "data: [DONE]\n\n");
  EXPECT_TRUE(r.usage.known);
  EXPECT_EQ(r.usage.prompt_tokens, 12);
}

TEST(OpenAiStreamRelay, UsageOnAContentChunkIsKept) {
  // Some servers put usage on the last content chunk (choices not empty).
  std::string last =
      R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":2,"completion_tokens":5}})";
  std::string in = sse(kChunk1) + sse(last) + "data: [DONE]\n\n";
  RelayRun r = relay(in, false);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.out, in);
  EXPECT_EQ(r.usage.completion_tokens, 5);
}

TEST(OpenAiStreamRelay, NullUsageIsIgnored) {
  std::string c = R"({"choices":[{"index":0,"delta":{"content":"x"}}],"usage":null})";
  RelayRun r = relay(sse(c) + "data: [DONE]\n\n", false);
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(r.usage.known);
}

TEST(OpenAiStreamRelay, ContentMentioningUsageIsNotMistaken) {
  std::string c = R"({"choices":[{"index":0,"delta":{"content":"\"usage\": {\"error\": 1}"}}]})";
  std::string in = sse(c) + "data: [DONE]\n\n";
  RelayRun r = relay(in, false);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.out, in);
  EXPECT_FALSE(r.usage.known);
}

TEST(OpenAiStreamRelay, TruncatedStreamIsAnError) {
  RelayRun r = relay(sse(kChunk1) + sse(kChunk2), true);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error->cls, ErrorClass::kServerError);
  EXPECT_EQ(r.error->error.status, 502);
  EXPECT_EQ(r.error->error.code, "upstream_stream_error");
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.out, sse(kChunk1) + sse(kChunk2));
}

TEST(OpenAiStreamRelay, PartialDoneIsTruncation) {
  RelayRun r = relay(sse(kChunk1) + "data: [DONE]\n", true);
  EXPECT_FALSE(r.ok);
}

TEST(OpenAiStreamRelay, EmptyStreamIsTruncation) {
  RelayRun r = relay("", true);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.started);
}

TEST(OpenAiStreamRelay, InStreamErrorObject) {
  std::string err =
      R"({"error":{"message":"The server had an error","type":"server_error","code":"boom"}})";
  RelayRun r = relay(sse(kChunk1) + sse(err) + "data: [DONE]\n\n", true);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error->error.status, 502);
  EXPECT_EQ(r.error->error.message, "The server had an error");
  EXPECT_EQ(r.error->error.code, "boom");
  EXPECT_TRUE(retryable(r.error->cls));
  EXPECT_EQ(r.out, sse(kChunk1));  // the error event itself is not relayed
}

TEST(OpenAiStreamRelay, NullErrorMemberIsNotAnError) {
  std::string c = R"({"choices":[{"index":0,"delta":{"content":"x"}}],"error":null})";
  RelayRun r = relay(sse(c) + "data: [DONE]\n\n", true);
  EXPECT_TRUE(r.ok);
}

TEST(OpenAiStreamRelay, NonJsonEventsRelayedAsIs) {
  std::string in = "data: not json \"error\"\n\ndata: [DONE]\n\n";
  RelayRun r = relay(in, true);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.out, in);
}

TEST(OpenAiStreamRelay, EventsAfterDoneIgnored) {
  RelayRun r = relay(sse(kChunk1) + "data: [DONE]\n\n" + sse(kChunk2), true);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.out, sse(kChunk1) + "data: [DONE]\n\n");
}

TEST(OpenAiStreamRelay, NormalisesFramingAndDropsComments) {
  std::string in = ": ping\r\n\r\ndata: " + std::string(kChunk1) + "\r\n\r\ndata: [DONE]\r\n\r\n";
  RelayRun r = relay(in, true);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.out, sse(kChunk1) + "data: [DONE]\n\n");
}

TEST(OpenAiStreamRelay, OversizedEventIsAnError) {
  std::string huge = "data: " + std::string((4 << 20) + 16, 'x');
  RelayRun r = relay(huge, true);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error->error.status, 502);
}

TEST(OpenAiStreamRelay, ByteByByteGivesIdenticalOutput) {
  for (bool wants : {false, true}) {
    std::string in = ": c\r\n" + full_stream();
    RelayRun whole = relay(in, wants);
    for (std::size_t piece : {1u, 2u, 3u, 7u, 64u}) {
      RelayRun split = relay(in, wants, piece);
      ASSERT_TRUE(split.ok);
      EXPECT_EQ(split.out, whole.out) << "piece " << piece;
      EXPECT_EQ(split.usage.prompt_tokens, whole.usage.prompt_tokens);
    }
  }
}

TEST(OpenAiStreamRelay, HugeUsageNumbersDoNotOverflow) {
  std::string u = R"({"choices":[],"usage":{"prompt_tokens":1e300,"completion_tokens":-1e300}})";
  RelayRun r = relay(sse(u) + "data: [DONE]\n\n", true);
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.usage.known);
  EXPECT_GE(r.usage.prompt_tokens, 0);
  EXPECT_GE(r.usage.completion_tokens, 0);
}

}  // namespace
}  // namespace sy::providers::openai
