#include "providers/bedrock/event_stream.h"

#include <gtest/gtest.h>

namespace sy::providers::bedrock {
namespace {

std::vector<EventHeader> all_header_types() {
  std::vector<EventHeader> h;
  h.push_back(EventHeader::boolean("t", true));
  h.push_back(EventHeader::boolean("f", false));
  EventHeader b{"byte", HeaderType::kByte, -5, {}};
  EventHeader s{"short", HeaderType::kShort, -300, {}};
  EventHeader i{"int", HeaderType::kInt, -70000, {}};
  EventHeader l{"long", HeaderType::kLong, -5000000000LL, {}};
  EventHeader bytes{"bytes", HeaderType::kBytes, 0, std::string("\x00\x01\xff", 3)};
  EventHeader ts{"ts", HeaderType::kTimestamp, 1700000000123LL, {}};
  EventHeader uuid{"uuid", HeaderType::kUuid, 0, std::string("0123456789abcdef")};
  h.insert(h.end(), {b, s, i, l, bytes, ts, uuid});
  h.push_back(EventHeader::string(":event-type", "contentBlockDelta"));
  return h;
}

TEST(EventStream, Crc32MatchesZlib) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);  // the standard check value
  EXPECT_EQ(crc32(""), 0u);
  EXPECT_EQ(crc32("56789", crc32("1234")), 0xCBF43926u);
}

// The AWS event-stream spec example: an empty message is 16 bytes with these CRCs.
TEST(EventStream, EmptyMessageMatchesReferenceEncoding) {
  const std::string wire = encode_event({}, "");
  ASSERT_EQ(wire.size(), 16u);
  EXPECT_EQ(wire.substr(0, 12),
            std::string("\x00\x00\x00\x10\x00\x00\x00\x00\x05\xc2\x48\xeb", 12));
  EXPECT_EQ(wire.substr(12), std::string("\x7d\x98\xc8\xff", 4));
}

TEST(EventStream, RoundTripsEveryHeaderType) {
  const auto headers = all_header_types();
  const std::string wire = encode_event(headers, R"({"delta":{"text":"hi"}})");
  EventStreamDecoder d;
  d.feed(wire);
  EventMessage m;
  ASSERT_EQ(d.next(m), EventStreamDecoder::Status::kMessage);
  ASSERT_EQ(m.headers.size(), headers.size());
  for (std::size_t k = 0; k < headers.size(); ++k) {
    EXPECT_EQ(m.headers[k].name, headers[k].name);
    EXPECT_EQ(m.headers[k].type, headers[k].type);
    EXPECT_EQ(m.headers[k].integer, headers[k].integer) << headers[k].name;
    EXPECT_EQ(m.headers[k].bytes, headers[k].bytes) << headers[k].name;
  }
  EXPECT_EQ(m.payload, R"({"delta":{"text":"hi"}})");
  EXPECT_EQ(m.header_string(":event-type"), "contentBlockDelta");
  EXPECT_EQ(d.next(m), EventStreamDecoder::Status::kNeedMore);
  EXPECT_EQ(d.pending(), 0u);
}

TEST(EventStream, DecodesMessagesFedByteByByte) {
  std::string wire;
  for (int k = 0; k < 5; ++k)
    wire += encode_converse_event("contentBlockDelta", "{\"n\":" + std::to_string(k) + "}");
  EventStreamDecoder d;
  EventMessage m;
  int seen = 0;
  for (char c : wire) {
    d.feed(std::string_view(&c, 1));
    while (d.next(m) == EventStreamDecoder::Status::kMessage) {
      EXPECT_EQ(m.payload, "{\"n\":" + std::to_string(seen) + "}");
      EXPECT_EQ(m.header_string(":message-type"), "event");
      ++seen;
    }
  }
  EXPECT_EQ(seen, 5);
}

TEST(EventStream, DetectsPreludeCrcCorruption) {
  std::string wire = encode_converse_event("messageStop", "{}");
  wire[9] ^= 0x01;
  EventStreamDecoder d;
  d.feed(wire);
  EventMessage m;
  EXPECT_EQ(d.next(m), EventStreamDecoder::Status::kError);
  EXPECT_NE(d.error().find("prelude CRC"), std::string::npos);
  // Sticky.
  d.feed(encode_converse_event("messageStop", "{}"));
  EXPECT_EQ(d.next(m), EventStreamDecoder::Status::kError);
}

TEST(EventStream, DetectsMessageCrcCorruption) {
  std::string wire = encode_converse_event("messageStop", R"({"stopReason":"end_turn"})");
  wire[wire.size() - 6] ^= 0x20;  // a payload byte
  EventStreamDecoder d;
  d.feed(wire);
  EventMessage m;
  EXPECT_EQ(d.next(m), EventStreamDecoder::Status::kError);
  EXPECT_NE(d.error().find("message CRC"), std::string::npos);
}

TEST(EventStream, TruncatedFrameWaitsForMore) {
  const std::string wire = encode_converse_event("messageStart", R"({"role":"assistant"})");
  EventStreamDecoder d;
  d.feed(wire.substr(0, wire.size() - 1));
  EventMessage m;
  EXPECT_EQ(d.next(m), EventStreamDecoder::Status::kNeedMore);
  EXPECT_EQ(d.pending(), wire.size() - 1);
  d.feed(wire.substr(wire.size() - 1));
  EXPECT_EQ(d.next(m), EventStreamDecoder::Status::kMessage);
}

TEST(EventStream, RejectsOversizedMessageFromPrelude) {
  const std::string wire = encode_converse_event("x", std::string(2000, 'a'));
  EventStreamDecoder d(1024);
  d.feed(wire.substr(0, 12));  // the prelude alone is enough to refuse
  EventMessage m;
  EXPECT_EQ(d.next(m), EventStreamDecoder::Status::kError);
  EXPECT_NE(d.error().find("size limit"), std::string::npos);
}

TEST(EventStream, RejectsHeadersLongerThanMessage) {
  // A prelude claiming 100 header bytes in a 16-byte message, with a valid prelude CRC.
  std::string prelude("\x00\x00\x00\x10\x00\x00\x00\x64", 8);
  const uint32_t crc = crc32(prelude);
  for (int i = 3; i >= 0; --i) prelude += static_cast<char>((crc >> (8 * i)) & 0xFF);
  EventStreamDecoder d;
  d.feed(prelude + std::string(4, '\0'));
  EventMessage m;
  EXPECT_EQ(d.next(m), EventStreamDecoder::Status::kError);
}

TEST(EventStream, ExceptionEncoderSetsHeaders) {
  EventStreamDecoder d;
  d.feed(encode_converse_exception("throttlingException", R"({"message":"slow down"})"));
  EventMessage m;
  ASSERT_EQ(d.next(m), EventStreamDecoder::Status::kMessage);
  EXPECT_EQ(m.header_string(":message-type"), "exception");
  EXPECT_EQ(m.header_string(":exception-type"), "throttlingException");
  EXPECT_EQ(m.header_string(":content-type"), "application/json");
}

}  // namespace
}  // namespace sy::providers::bedrock
