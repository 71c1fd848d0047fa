#include "api/json_scan.h"

namespace sy::api {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// `i` at an opening quote; returns the offset just past the closing quote.
std::size_t skip_string(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
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

std::vector<RawMember> scan_top_level(std::string_view s) {
  std::vector<RawMember> out;
  out.reserve(8);  // a chat request has a handful of members: one allocation
  std::size_t i = skip_space(s, 0);
  if (i >= s.size() || s[i] != '{') return out;
  i = skip_space(s, i + 1);
  while (i < s.size() && s[i] == '"') {
    std::size_t key_end = skip_string(s, i);
    std::string_view key = s.substr(i + 1, key_end - i - 2);
    i = skip_space(s, key_end);
    if (i >= s.size() || s[i] != ':') break;
    i = skip_space(s, i + 1);
    std::size_t value_end = skip_value(s, i);
    out.push_back({key, i, value_end, key.find('\\') != std::string_view::npos});
    i = skip_space(s, value_end);
    if (i < s.size() && s[i] == ',') i = skip_space(s, i + 1);
  }
  return out;
}

}  // namespace sy::api
