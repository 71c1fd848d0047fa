// UTF-8 walking shared by the exposition and access-log escapers: calls
// fn(std::string_view) once per character; each invalid byte (bad lead,
// truncated, overlong, surrogate or > U+10FFFF sequence) is passed as the
// replacement character U+FFFD instead, so output is always valid UTF-8.
// Header-only, stateless.
#pragma once

#include <cstddef>
#include <string_view>

namespace sy::telemetry {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

// Length of the valid UTF-8 character starting at s[0], or 0 when invalid.
inline std::size_t utf8_char_length(std::string_view s) {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

template <typename Fn>
void for_each_utf8_char(std::string_view s, Fn&& fn) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = utf8_char_length(s.substr(i));
    if (n == 0) {
      fn(kReplacementChar);
      i += 1;
    } else {
      fn(s.substr(i, n));
      i += n;
    }
  }
}

}  // namespace sy::telemetry
