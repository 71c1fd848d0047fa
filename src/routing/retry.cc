#include "routing/retry.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>

namespace sy::routing {

using providers::ErrorClass;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Nanos clamp_hint(double seconds) {
  if (!(seconds > 0)) return Nanos(0);
  const double max_s = std::chrono::duration<double>(kMaxHint).count();
  return Nanos(static_cast<int64_t>(std::min(seconds, max_s) * 1e9));
}

// A non-negative decimal number filling all of `s` ("12", "1.5").
std::optional<double> number(std::string_view s) {
  if (s.empty() || s.size() > 32) return std::nullopt;
  bool dot = false;
  for (char c : s) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  if (s.front() == '.' || s.back() == '.') return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool two_digits(std::string_view s, size_t at, int& out) {
  if (at + 2 > s.size() || !std::isdigit(static_cast<unsigned char>(s[at])) ||
      !std::isdigit(static_cast<unsigned char>(s[at + 1]))) {
    return false;
  }
  out = (s[at] - '0') * 10 + (s[at + 1] - '0');
  return true;
}

std::optional<int64_t> to_unix(int year, int month, int day, int hour, int min, int sec) {
  if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      min > 59 || sec > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm));
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<int64_t> parse_imf_fixdate(std::string_view s) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  int day = 0, hour = 0, min = 0, sec = 0, month = 0;
  if (!two_digits(s, 5, day) || !two_digits(s, 17, hour) || !two_digits(s, 20, min) ||
      !two_digits(s, 23, sec)) {
    return std::nullopt;
  }
  for (int i = 0; i < 12; ++i) {
    if (s.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  int hi = 0, lo = 0;
  if (month == 0 || !two_digits(s, 12, hi) || !two_digits(s, 14, lo)) return std::nullopt;
  return to_unix(hi * 100 + lo, month, day, hour, min, sec);
}

// "2024-05-01T12:00:30Z", "2024-05-01T12:00:30.123Z", "...+02:00".
std::optional<int64_t> parse_rfc3339(std::string_view s) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  int yh = 0, yl = 0, month = 0, day = 0, hour = 0, min = 0, sec = 0;
  if (!two_digits(s, 0, yh) || !two_digits(s, 2, yl) || !two_digits(s, 5, month) ||
      !two_digits(s, 8, day) || !two_digits(s, 11, hour) || !two_digits(s, 14, min) ||
      !two_digits(s, 17, sec)) {
    return std::nullopt;
  }
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  }
  int64_t offset = 0;
  std::string_view zone = s.substr(i);
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int oh = 0, om = 0;
    if (!two_digits(zone, 1, oh) || !two_digits(zone, 4, om)) return std::nullopt;
    offset = (zone[0] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  auto t = to_unix(yh * 100 + yl, month, day, hour, min, sec);
  if (!t) return std::nullopt;
  return *t - offset;
}

}  // namespace

Nanos RetryPolicy::ceiling(int attempt) const {
  Nanos cap = std::max<Nanos>(options_.max_delay, Nanos(0));
  Nanos d = std::max<Nanos>(options_.base_delay, Nanos(0));
  for (int i = 0; i < attempt && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}

std::optional<Nanos> RetryPolicy::next_delay(int attempt, ErrorClass error,
                                             std::optional<Nanos> hint, Rng& rng,
                                             Nanos remaining) const {
  if (!retryable(error) || attempt < 0 || attempt + 1 >= options_.max_attempts) return std::nullopt;
  const double ceil_ns = static_cast<double>(ceiling(attempt).count());
  Nanos delay(static_cast<int64_t>(rng.unit() * ceil_ns));
  if (hint) delay = std::max(delay, std::min(*hint, kMaxHint));
  if (delay >= remaining) return std::nullopt;
  return delay;
}

std::optional<Nanos> parse_retry_after(std::string_view value, int64_t now_unix) {
  value = trim(value);
  if (auto seconds = number(value)) return clamp_hint(*seconds);
  if (auto at = parse_imf_fixdate(value)) return clamp_hint(static_cast<double>(*at - now_unix));
  return std::nullopt;
}

std::optional<Nanos> parse_retry_after_ms(std::string_view value) {
  if (auto ms = number(trim(value))) return clamp_hint(*ms / 1000.0);
  return std::nullopt;
}

std::optional<Nanos> parse_reset(std::string_view value, int64_t now_unix) {
  value = trim(value);
  if (value.empty() || value.size() > 64) return std::nullopt;
  if (auto seconds = number(value)) return clamp_hint(*seconds);
  if (auto at = parse_rfc3339(value)) return clamp_hint(static_cast<double>(*at - now_unix));
  // Go duration: one or more <number><unit>, unit in h, m, s, ms, us, µs, ns.
  double total = 0;
  size_t i = 0;
  while (i < value.size()) {
    size_t start = i;
    while (i < value.size() &&
           (std::isdigit(static_cast<unsigned char>(value[i])) || value[i] == '.'))
      ++i;
    auto n = number(value.substr(start, i - start));
    if (!n) return std::nullopt;
    size_t unit_start = i;
    while (i < value.size() && !std::isdigit(static_cast<unsigned char>(value[i])) &&
           value[i] != '.')
      ++i;
    std::string_view unit = value.substr(unit_start, i - unit_start);
    double scale = 0;
    if (unit == "h")
      scale = 3600;
    else if (unit == "m")
      scale = 60;
    else if (unit == "s")
      scale = 1;
    else if (unit == "ms")
      scale = 1e-3;
    else if (unit == "us" || unit == "\xC2\xB5s")
      scale = 1e-6;
    else if (unit == "ns")
      scale = 1e-9;
    else
      return std::nullopt;
    total += *n * scale;
  }
  return clamp_hint(total);
}

std::optional<Nanos> wait_hint(const RetryHints& hints, ErrorClass cls, int64_t now_unix) {
  if (!hints.retry_after_ms.empty()) {
    if (auto d = parse_retry_after_ms(hints.retry_after_ms)) return d;
  }
  if (!hints.retry_after.empty()) {
    if (auto d = parse_retry_after(hints.retry_after, now_unix)) return d;
  }
  if (cls != ErrorClass::kRateLimited) return std::nullopt;
  std::optional<Nanos> best;
  for (std::string_view h : {hints.reset_requests, hints.reset_tokens}) {
    if (h.empty()) continue;
    if (auto d = parse_reset(h, now_unix); d && (!best || *d < *best)) best = d;
  }
  return best;
}

}  // namespace sy::routing
