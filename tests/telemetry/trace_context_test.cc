#include "telemetry/trace_context.h"

#include <gtest/gtest.h>

#include <set>

namespace sy::telemetry {
namespace {

constexpr std::string_view kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kParent = "00f067aa0ba902b7";

// Valid headers, from the W3C Trace Context specification and its test suite.
TEST(TraceParent, AcceptsSpecExamples) {
  for (std::string_view h : {
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09",      // unknown flag bits
           "  00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\t",  // OWS
           // Higher versions: parse the 00 layout, ignore what follows a '-'.
           "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like",
       }) {
    auto tp = parse_traceparent(h);
    ASSERT_TRUE(tp.has_value()) << h;
    std::string_view want = h.find("0af7651916cd43dd8448eb211c80319c") != std::string_view::npos
                                ? std::string_view("0af7651916cd43dd8448eb211c80319c")
                                : kTrace;
    EXPECT_EQ(to_hex(tp->trace_id.data(), 16), want);
  }
  auto tp = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(tp->version, 0);
  EXPECT_EQ(to_hex(tp->parent_id.data(), 8), kParent);
  EXPECT_EQ(tp->flags, 1);
  EXPECT_EQ(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")->version,
            0xcc);
}

TEST(TraceParent, RejectsInvalidHeaders) {
  for (std::string_view h : {
           "",
           "00",
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",       // forbidden version
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",       // all-zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",       // all-zero parent id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",       // uppercase
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",       // uppercase flags
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",      // 00 must be 55 long
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz",   // 00 must be 55 long
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",        // short trace id
           "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b-01",       // shifted separator
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",        // short parent id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",        // short flags
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",       // non-hex flags
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",       // non-hex trace id
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",       // bad separators
           "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // short version
           "g0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",       // non-hex version
           "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what",  // future: needs '-'
           "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",          // future: too short
       }) {
    EXPECT_FALSE(parse_traceparent(h).has_value()) << h;
  }
}

TEST(TraceContext, ContinuesAValidTraceWithANewSpan) {
  auto ctx = start_trace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                         "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7");
  EXPECT_TRUE(ctx.continued);
  EXPECT_EQ(ctx.trace_id_hex(), kTrace);
  EXPECT_EQ(to_hex(ctx.parent_id.data(), 8), kParent);
  EXPECT_NE(ctx.span_id_hex(), kParent);
  EXPECT_EQ(ctx.tracestate, "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7");
  std::string up = ctx.upstream_traceparent();
  auto parsed = parse_traceparent(up);
  ASSERT_TRUE(parsed) << up;
  EXPECT_EQ(to_hex(parsed->trace_id.data(), 16), kTrace);
  EXPECT_EQ(to_hex(parsed->parent_id.data(), 8), ctx.span_id_hex());
  EXPECT_EQ(parsed->flags, 1);
}

TEST(TraceContext, UnknownFlagBitsAreNotPropagated) {
  auto ctx = start_trace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff", "");
  EXPECT_EQ(ctx.upstream_traceparent().substr(53), "01");
  ctx = start_trace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02", "");
  EXPECT_EQ(ctx.upstream_traceparent().substr(53), "00");
}

TEST(TraceContext, StartsANewTraceWhenAbsentOrInvalidAndDropsTracestate) {
  std::set<std::string> ids;
  for (std::string_view h :
       {"", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"}) {
    auto ctx = start_trace(h, "rojo=00f067aa0ba902b7");
    EXPECT_FALSE(ctx.continued);
    EXPECT_TRUE(ctx.tracestate.empty());
    EXPECT_TRUE(parse_traceparent(ctx.upstream_traceparent()).has_value())
        << ctx.upstream_traceparent();
    EXPECT_EQ(ctx.trace_id_hex().size(), 32u);
    ids.insert(ctx.trace_id_hex());
  }
  EXPECT_EQ(ids.size(), 3u);
}

TEST(TraceContext, NeverProducesAllZeroIds) {
  int calls = 0;
  IdSource zeros_then_ones = [&calls]() -> uint64_t {
    return ++calls <= 3 ? 0 : 0x0101010101010101ull;
  };
  auto ctx = start_trace("", "", zeros_then_ones);
  // Calls 1-2 gave an all-zero id (rejected); calls 3-4 give zeros then ones.
  EXPECT_EQ(ctx.trace_id_hex(), "00000000000000000101010101010101");
  EXPECT_EQ(ctx.span_id_hex(), "0101010101010101");
}

TEST(TraceContext, TracestateIsBoundedByWholeMembers) {
  std::string state;
  for (int i = 0; i < 40; ++i) {
    if (i) state += ",";
    state += "vendor" + std::to_string(i) + "=" + std::string(10, 'a');
  }
  ASSERT_GT(state.size(), kMaxTracestateBytes);
  auto ctx = start_trace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", state);
  EXPECT_LE(ctx.tracestate.size(), kMaxTracestateBytes);
  EXPECT_FALSE(ctx.tracestate.empty());
  EXPECT_EQ(state.rfind(ctx.tracestate, 0), 0u);  // a prefix
  EXPECT_EQ(state[ctx.tracestate.size()], ',');   // cut at a member boundary
  // Control characters: dropped entirely.
  ctx = start_trace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "a=b\r\nx: y");
  EXPECT_TRUE(ctx.tracestate.empty());
}

}  // namespace
}  // namespace sy::telemetry
