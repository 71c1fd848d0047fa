// SseParser: line endings, splits at every byte, multi-line data, comments,
// event names, the size bound, and append_sse_data.
#include "api/sse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sy::api {
namespace {

struct Got {
  std::string event;
  std::string data;
  bool operator==(const Got&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Got& g) {
  return os << "{event=" << g.event << ", data=" << g.data << "}";
}

// Drains every complete event currently available.
void drain(SseParser& p, std::vector<Got>& out) {
  SseEvent ev;
  for (;;) {
    auto st = p.next(ev);
    ASSERT_NE(st, SseParser::Status::kTooLarge);
    if (st == SseParser::Status::kNeedMore) return;
    out.push_back({std::string(ev.event), std::string(ev.data)});
  }
}

std::vector<Got> parse_all(std::string_view stream) {
  SseParser p;
  p.feed(stream);
  std::vector<Got> out;
  drain(p, out);
  return out;
}

// Feeds `stream` in two pieces split at `at`, draining after each piece.
std::vector<Got> parse_split(std::string_view stream, std::size_t at) {
  SseParser p;
  std::vector<Got> out;
  p.feed(stream.substr(0, at));
  drain(p, out);
  p.feed(stream.substr(at));
  drain(p, out);
  return out;
}

TEST(SseParser, LfLineEndings) {
  auto got = parse_all("data: one\n\ndata: two\n\n");
  EXPECT_EQ(got, (std::vector<Got>{{"", "one"}, {"", "two"}}));
}

TEST(SseParser, CrLfLineEndings) {
  auto got = parse_all("data: one\r\n\r\ndata: two\r\n\r\n");
  EXPECT_EQ(got, (std::vector<Got>{{"", "one"}, {"", "two"}}));
}

TEST(SseParser, CrLineEndings) {
  auto got = parse_all("data: one\r\rdata: two\r\r\n");
  EXPECT_EQ(got, (std::vector<Got>{{"", "one"}, {"", "two"}}));
}

TEST(SseParser, MixedLineEndings) {
  auto got = parse_all("event: a\rdata: 1\r\n\ndata: 2\n\r\n");
  EXPECT_EQ(got, (std::vector<Got>{{"a", "1"}, {"", "2"}}));
}

TEST(SseParser, MultiLineDataJoinedWithNewline) {
  auto got = parse_all("data: first\ndata:second\ndata:  third\n\n");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, "first\nsecond\n third");  // only one leading space is removed
}

TEST(SseParser, CommentsAndUnknownFieldsIgnored) {
  auto got = parse_all(": keep-alive\n\n:another\nid: 5\nretry: 100\nfoo\ndata: x\n\n");
  EXPECT_EQ(got, (std::vector<Got>{{"", "x"}}));
}

TEST(SseParser, EventNamesResetBetweenEvents) {
  auto got = parse_all("event: message_start\ndata: {}\n\ndata: plain\n\n");
  EXPECT_EQ(got, (std::vector<Got>{{"message_start", "{}"}, {"", "plain"}}));
}

TEST(SseParser, EventWithoutDataIsNotDispatched) {
  auto got = parse_all("event: ping\n\ndata: x\n\n");
  EXPECT_EQ(got, (std::vector<Got>{{"", "x"}}));
}

TEST(SseParser, EmptyDataLineDispatchesEmptyData) {
  auto got = parse_all("data\n\ndata:\n\n");
  EXPECT_EQ(got, (std::vector<Got>{{"", ""}, {"", ""}}));
}

TEST(SseParser, DoneMarker) {
  auto got = parse_all("data: {\"a\":1}\n\ndata: [DONE]\n\n");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].data, "[DONE]");
}

TEST(SseParser, IncompleteEventWaits) {
  SseParser p;
  p.feed("data: partial\n");
  SseEvent ev;
  EXPECT_EQ(p.next(ev), SseParser::Status::kNeedMore);
  p.feed("\n");
  ASSERT_EQ(p.next(ev), SseParser::Status::kEvent);
  EXPECT_EQ(ev.data, "partial");
  EXPECT_EQ(p.next(ev), SseParser::Status::kNeedMore);
  EXPECT_EQ(p.pending(), 0u);
}

TEST(SseParser, SplitAtEveryBytePosition) {
  const std::string stream =
      ": hi\r\nevent: e1\r\ndata: {\"x\":\"a\\nb\"}\r\ndata: line2\r\n\r\n"
      "data: cr only\r\rdata: lf\n\ndata: [DONE]\n\n";
  const auto whole = parse_all(stream);
  ASSERT_EQ(whole.size(), 4u);
  EXPECT_EQ(whole[0], (Got{"e1", "{\"x\":\"a\\nb\"}\nline2"}));
  EXPECT_EQ(whole[1], (Got{"", "cr only"}));
  EXPECT_EQ(whole[2], (Got{"", "lf"}));
  EXPECT_EQ(whole[3], (Got{"", "[DONE]"}));
  for (std::size_t at = 0; at <= stream.size(); ++at) {
    EXPECT_EQ(parse_split(stream, at), whole) << "split at " << at;
  }
}

TEST(SseParser, ByteByByte) {
  const std::string stream = "event: a\r\ndata: 1\r\n\r\ndata: 2\r\rdata: 3\n\n";
  SseParser p;
  std::vector<Got> got;
  for (char c : stream) {
    p.feed(std::string_view(&c, 1));
    drain(p, got);
  }
  EXPECT_EQ(got, parse_all(stream));
  EXPECT_EQ(got.size(), 3u);
}

TEST(SseParser, OversizedEventIsTooLarge) {
  SseParser p(64);
  p.feed("data: " + std::string(100, 'x') + "\n\n");
  SseEvent ev;
  EXPECT_EQ(p.next(ev), SseParser::Status::kTooLarge);
}

TEST(SseParser, OversizedMultiLineEventIsTooLarge) {
  SseParser p(64);
  SseEvent ev;
  for (int i = 0; i < 10; ++i) {
    p.feed("data: " + std::string(10, 'x') + "\n");
    if (p.next(ev) == SseParser::Status::kTooLarge) return;
  }
  FAIL() << "ten 10-byte data lines exceed a 64-byte bound";
}

TEST(SseParser, OversizedUnterminatedLineIsTooLarge) {
  SseParser p(64);
  SseEvent ev;
  p.feed(std::string(50, 'x'));
  EXPECT_EQ(p.next(ev), SseParser::Status::kNeedMore);
  p.feed(std::string(50, 'x'));
  EXPECT_EQ(p.next(ev), SseParser::Status::kTooLarge);
}

TEST(SseParser, ManySmallEventsWithinBound) {
  SseParser p(64);
  std::vector<Got> got;
  for (int i = 0; i < 10'000; ++i) {
    p.feed("data: " + std::to_string(i) + "\n\n");
    drain(p, got);
  }
  ASSERT_EQ(got.size(), 10'000u);
  EXPECT_EQ(got.back().data, "9999");
  EXPECT_EQ(p.pending(), 0u);
}

TEST(SseParser, CommentFloodDoesNotGrowWithoutBound) {
  SseParser p(1024);
  SseEvent ev;
  for (int i = 0; i < 100'000; ++i) {
    p.feed(": keep-alive\n");
    ASSERT_EQ(p.next(ev), SseParser::Status::kNeedMore);
  }
  EXPECT_EQ(p.pending(), 0u);
}

TEST(AppendSseData, Frames) {
  std::string out;
  append_sse_data(out, "{\"a\":1}");
  append_sse_data(out, "[DONE]");
  EXPECT_EQ(out, "data: {\"a\":1}\n\ndata: [DONE]\n\n");
}

}  // namespace
}  // namespace sy::api
