// W3C Trace Context (https://www.w3.org/TR/trace-context/) for one request.
//
// parse_traceparent() applies the spec's validation: version is two lowercase
// hex digits other than "ff"; version 00 is exactly 55 characters; a higher
// version is parsed by the 00 layout and may only continue with '-' after
// character 55; trace-id (32) and parent-id (16) are lowercase hex and not all
// zero; flags are two lowercase hex digits. Surrounding spaces and tabs are
// ignored. start_trace() continues a valid client trace (our span becomes its
// child) or starts a new one, and keeps tracestate only with a valid
// traceparent, bounded to kMaxTracestateBytes (whole list members dropped
// from the end, never cut mid-member).
//
// Thread safety: pure functions; random ids come from a per-thread
// xoshiro256** generator seeded from std::random_device (or from the caller's
// IdSource in tests).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sy::telemetry {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

inline constexpr std::size_t kMaxTracestateBytes = 512;
inline constexpr uint8_t kSampledFlag = 0x01;

struct TraceParent {
  uint8_t version = 0;
  TraceId trace_id{};
  SpanId parent_id{};
  uint8_t flags = 0;
};

std::optional<TraceParent> parse_traceparent(std::string_view header);

// A source of 64 random bits; default: fast per-thread generator.
using IdSource = std::function<uint64_t()>;
uint64_t fast_random64();

struct TraceContext {
  TraceId trace_id{};
  SpanId parent_id{};      // the client's span when continued, zeros when started here
  SpanId span_id{};        // our span: the parent of the upstream request
  uint8_t flags = 0;       // only the sampled bit is propagated
  bool continued = false;  // the client sent a valid traceparent
  std::string tracestate;  // passed through (possibly trimmed); empty when none

  // "00-<trace-id>-<span_id>-<flags>": the traceparent to send upstream.
  std::string upstream_traceparent() const;
  std::string trace_id_hex() const;
  std::string span_id_hex() const;
};

TraceContext start_trace(std::string_view traceparent_header, std::string_view tracestate_header,
                         const IdSource& ids = fast_random64);

// Lowercase hex of bytes.
std::string to_hex(const uint8_t* data, std::size_t n);

}  // namespace sy::telemetry
