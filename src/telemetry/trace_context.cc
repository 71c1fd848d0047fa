#include "telemetry/trace_context.h"

#include <tuple>

#include <random>

namespace sy::telemetry {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase is not allowed by the spec
}

template <std::size_t N>
bool parse_hex(std::string_view s, std::array<uint8_t, N>& out) {
  if (s.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    int hi = hex_value(s[2 * i]);
    int lo = hex_value(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

template <std::size_t N>
bool all_zero(const std::array<uint8_t, N>& a) {
  for (uint8_t b : a) {
    if (b != 0) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <std::size_t N>
void fill_random(std::array<uint8_t, N>& out, const IdSource& ids) {
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      uint64_t r = ids();
      for (std::size_t j = 0; j < 8 && i + j < N; ++j)
        out[i + j] = static_cast<uint8_t>(r >> (8 * j));
    }
  } while (all_zero(out));
}

// tracestate: printable ASCII only; when longer than the bound, drop whole
// list members from the end.
std::string bounded_tracestate(std::string_view s) {
  s = trim(s);
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return {};
  }
  while (s.size() > kMaxTracestateBytes) {
    std::size_t comma = s.rfind(',');
    if (comma == std::string_view::npos) return {};
    s = trim(s.substr(0, comma));
  }
  return std::string(s);
}

struct Xoshiro256 {
  uint64_t s[4];
  Xoshiro256() {
    std::random_device rd;
    for (auto& v : s) v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    if ((s[0] | s[1] | s[2] | s[3]) == 0) s[0] = 0x9E3779B97F4A7C15ull;
  }
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
};

}  // namespace

uint64_t fast_random64() {
  thread_local Xoshiro256 rng;
  return rng.next();
}

namespace {
void put_hex(char* at, const uint8_t* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    at[2 * i] = kDigits[data[i] >> 4];
    at[2 * i + 1] = kDigits[data[i] & 0xF];
  }
}
}  // namespace

std::string to_hex(const uint8_t* data, std::size_t n) {
  std::string out(2 * n, '0');
  put_hex(out.data(), data, n);
  return out;
}

std::optional<TraceParent> parse_traceparent(std::string_view header) {
  std::string_view s = trim(header);
  if (s.size() < 55) return std::nullopt;
  std::array<uint8_t, 1> version;
  if (!parse_hex(s.substr(0, 2), version) || version[0] == 0xFF) return std::nullopt;
  if (version[0] == 0 && s.size() != 55) return std::nullopt;
  if (s.size() > 55 && s[55] != '-') return std::nullopt;  // future versions may extend
  if (s[2] != '-' || s[35] != '-' || s[52] != '-') return std::nullopt;
  TraceParent tp;
  tp.version = version[0];
  std::array<uint8_t, 1> flags;
  if (!parse_hex(s.substr(3, 32), tp.trace_id) || !parse_hex(s.substr(36, 16), tp.parent_id) ||
      !parse_hex(s.substr(53, 2), flags)) {
    return std::nullopt;
  }
  if (all_zero(tp.trace_id) || all_zero(tp.parent_id)) return std::nullopt;
  tp.flags = flags[0];
  return tp;
}

TraceContext start_trace(std::string_view traceparent_header, std::string_view tracestate_header,
                         const IdSource& ids) {
  TraceContext ctx;
  if (auto tp = parse_traceparent(traceparent_header)) {
    ctx.trace_id = tp->trace_id;
    ctx.parent_id = tp->parent_id;
    ctx.flags = tp->flags & kSampledFlag;
    ctx.continued = true;
    ctx.tracestate = bounded_tracestate(tracestate_header);
  } else {
    fill_random(ctx.trace_id, ids);
  }
  fill_random(ctx.span_id, ids);
  return ctx;
}

std::string TraceContext::upstream_traceparent() const {
  // "00-" trace-id "-" span-id "-" flags, built in place (one allocation).
  constexpr std::size_t kTrace = 2 * std::tuple_size_v<decltype(trace_id)>;
  constexpr std::size_t kSpan = 2 * std::tuple_size_v<decltype(span_id)>;
  std::string out(3 + kTrace + 1 + kSpan + 3, '-');
  out[0] = out[1] = '0';
  put_hex(out.data() + 3, trace_id.data(), trace_id.size());
  put_hex(out.data() + 3 + kTrace + 1, span_id.data(), span_id.size());
  char* flags_at = out.data() + 3 + kTrace + 1 + kSpan + 1;
  flags_at[0] = '0';
  flags_at[1] = (flags & kSampledFlag) ? '1' : '0';
  return out;
}

std::string TraceContext::trace_id_hex() const { return to_hex(trace_id.data(), trace_id.size()); }
std::string TraceContext::span_id_hex() const { return to_hex(span_id.data(), span_id.size()); }

}  // namespace sy::telemetry
