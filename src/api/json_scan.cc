#include "api/json_scan.h"

#include <cstring>

namespace sy::api {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// `i` at an opening quote; returns the offset just past the closing quote.
// Jumps from quote to quote (memchr); a quote preceded by an odd run of
// backslashes is escaped.
std::size_t skip_string(std::string_view s, std::size_t i) {
  const char* const begin = s.data();
  const char* const end = begin + s.size();
  const char* p = begin + i + 1;
  while (p < end) {
    const auto* q =
        static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
    if (q == nullptr) break;
    const char* run = q;  // start of the backslashes just before the quote
    while (run > p && run[-1] == '\\') --run;
    if ((q - run) % 2 == 0) return static_cast<std::size_t>(q - begin) + 1;
    p = q + 1;
  }
  return s.size();
}

// `i` at a value's first byte; returns the offset just past the value.
std::size_t skip_value(std::string_view s, std::size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      char c = s[i];
      if (c == '"') {
        i = skip_string(s, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !is_space(s[i])) ++i;
  return i;
}

}  // namespace

TopLevelScanner::TopLevelScanner(std::string_view json) : json_(json), pos_(json.size()) {
  std::size_t i = skip_space(json, 0);
  if (i < json.size() && json[i] == '{') pos_ = skip_space(json, i + 1);
}

std::optional<RawMember> TopLevelScanner::next() {
  const std::string_view s = json_;
  std::size_t i = pos_;
  if (i >= s.size() || s[i] != '"') return std::nullopt;
  std::size_t key_end = skip_string(s, i);
  std::string_view key = s.substr(i + 1, key_end - i - 2);
  i = skip_space(s, key_end);
  if (i >= s.size() || s[i] != ':') {
    pos_ = s.size();
    return std::nullopt;
  }
  i = skip_space(s, i + 1);
  std::size_t value_end = skip_value(s, i);
  RawMember member{key, i, value_end, key.find('\\') != std::string_view::npos};
  i = skip_space(s, value_end);
  if (i < s.size() && s[i] == ',') i = skip_space(s, i + 1);
  pos_ = i;
  return member;
}

std::vector<RawMember> scan_top_level(std::string_view s) {
  std::vector<RawMember> out;
  out.reserve(8);  // a chat request has a handful of members: one allocation
  TopLevelScanner scanner(s);
  while (auto member = scanner.next()) out.push_back(*member);
  return out;
}

}  // namespace sy::api
