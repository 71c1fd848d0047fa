#include "telemetry/sanitize.h"

#include <array>

namespace sy::telemetry {

namespace {

// Letters, digits, '-' and '_': the bytes of a key and of a word around one.
constexpr std::array<bool, 256> kKeyChar = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = t[c - 'a' + 'A'] = true;
  t['-'] = t['_'] = true;
  return t;
}();

bool key_char(char c) { return kKeyChar[static_cast<unsigned char>(c)]; }

// Characters of a bearer/basic credential (RFC 6750 b64token and friends).
bool credential_char(char c) {
  return key_char(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
}

bool iequal_at(std::string_view s, std::size_t i, std::string_view word) {
  if (s.size() - i < word.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    // word is lowercase letters; OR-ing 0x20 lowers ASCII letters and maps no
    // other byte onto a lowercase letter.
    if ((static_cast<unsigned char>(s[i + k]) | 0x20) != word[k]) return false;
  }
  return true;
}

constexpr std::array<std::string_view, 4> kKeyPrefixes = {"sk-", "sk_", "AIza", "AKIA"};
constexpr std::size_t kMinKeyBody = 8;
constexpr std::size_t kMinCredential = 8;  // shorter words after "bearer" are prose

// A match at position i: [i, i + prefix_len) is kept, [i + prefix_len, end)
// is replaced. Returns end == 0 when nothing matches at i.
struct Match {
  std::size_t keep = 0;
  std::size_t end = 0;
};

// Every match starts at a word boundary (checked by may_match_at). Only the
// patterns that begin with s[i]'s byte are tried.
Match match_at(std::string_view s, std::size_t i) {
  const char first = s[i];
  if (first == 'b' || first == 'B') {
    // Scheme credentials: "Bearer <token>", "Basic <token>".
    for (std::string_view scheme : {std::string_view("bearer"), std::string_view("basic")}) {
      if (iequal_at(s, i, scheme)) {
        std::size_t j = i + scheme.size();
        std::size_t spaces = j;
        while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
        if (j == spaces) continue;
        std::size_t k = j;
        while (k < s.size() && credential_char(s[k])) ++k;
        if (k - j >= kMinCredential) return {j - i, k};
      }
    }
    return {};
  }
  for (std::string_view prefix : kKeyPrefixes) {
    if (prefix[0] != first || s.compare(i, prefix.size(), prefix) != 0) continue;
    std::size_t k = i + prefix.size();
    while (k < s.size() && key_char(s[k])) ++k;
    if (k - (i + prefix.size()) >= kMinKeyBody) return {prefix.size(), k};
  }
  return {};
}

// Bytes a match can start with: b/B (bearer, basic), s (sk-, sk_), A (AIza,
// AKIA). Other positions, and positions inside a longer word (the "s" of
// "task-..."), are skipped without calling match_at().
constexpr std::array<bool, 256> kMatchStart = [] {
  std::array<bool, 256> t{};
  for (unsigned char c : {'b', 'B', 's', 'A'}) t[c] = true;
  return t;
}();

bool may_match_at(std::string_view s, std::size_t i) {
  return kMatchStart[static_cast<unsigned char>(s[i])] && (i == 0 || !key_char(s[i - 1]));
}

}  // namespace

bool contains_secret(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (may_match_at(text, i) && match_at(text, i).end != 0) return true;
  }
  return false;
}

std::string redact_secrets(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    Match m = may_match_at(text, i) ? match_at(text, i) : Match{};
    if (m.end == 0) {
      out.push_back(text[i++]);
      continue;
    }
    out.append(text.substr(i, m.keep));
    out += kRedacted;
    i = m.end;
  }
  return out;
}

}  // namespace sy::telemetry
