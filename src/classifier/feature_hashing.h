// Internal: the single pass over prompt text that both feature extraction
// (training) and direct scoring (serving) use, so the two can never disagree.
//
// visit_text() calls sink(namespace, index) once per hashed feature occurrence
// and fills the dense structural features. Pure, thread-safe, no allocation.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "classifier/features.h"

namespace sy::classifier::detail {

// Hashed feature namespaces; each is L2-normalised separately (value
// 1/sqrt(occurrences in the namespace)).
enum Namespace : uint32_t {
  kWordUnigram = 0,
  kWordBigram,
  kChar3,
  kChar4,
  kChar5,
  kNamespaceCount
};

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

inline uint32_t bucket(uint64_t h, uint32_t ns, uint32_t hash_bits) {
  uint64_t m = mix64(h ^ (0x9e3779b97f4a7c15ULL * (ns + 1)));
  return static_cast<uint32_t>(m >> (64 - hash_bits));
}

inline bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

inline unsigned char lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c;
}

inline bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// Keyword hashes used for the code/math dense features.
inline constexpr uint64_t fnv_init = 0xcbf29ce484222325ULL;
inline constexpr uint64_t fnv_step(uint64_t h, unsigned char c) {
  return (h ^ c) * 0x100000001b3ULL;
}
inline constexpr uint64_t fnv(std::string_view s) {
  uint64_t h = fnv_init;
  for (char c : s) h = fnv_step(h, static_cast<unsigned char>(c));
  return h;
}

inline bool is_code_word(uint64_t h) {
  switch (h) {
    case fnv("def"):
    case fnv("return"):
    case fnv("import"):
    case fnv("class"):
    case fnv("function"):
    case fnv("assert"):
    case fnv("const"):
    case fnv("int"):
    case fnv("void"):
    case fnv("elif"):
    case fnv("lambda"):
    case fnv("python"):
    case fnv("std"):
    case fnv("var"):
    case fnv("let"):
    case fnv("println"):
      return true;
    default:
      return false;
  }
}

inline bool is_math_word(uint64_t h) {
  switch (h) {
    case fnv("frac"):
    case fnv("sqrt"):
    case fnv("solve"):
    case fnv("equation"):
    case fnv("integer"):
    case fnv("probability"):
    case fnv("triangle"):
    case fnv("cdot"):
    case fnv("sum"):
    case fnv("integral"):
    case fnv("polynomial"):
    case fnv("pi"):
    case fnv("theta"):
    case fnv("prime"):
    case fnv("real"):
    case fnv("le"):
    case fnv("ge"):
    case fnv("log"):
    case fnv("sin"):
    case fnv("cos"):
      return true;
    default:
      return false;
  }
}

// Decimal numbers seen in the text, to spot comparisons like 9.11 vs 9.9
// (the longer fraction is the smaller number). Bounded: the first kMax only.
class DecimalPairs {
 public:
  static constexpr int kMax = 16;
  // `token`: a numeric word (digits, optionally one '.' or ',' inside).
  void add(std::string_view token) {
    if (trap_ || count_ >= kMax) return;
    const std::size_t dot = token.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == token.size()) return;
    if (token.find_first_of(".,", dot + 1) != std::string_view::npos) return;
    const Decimal d{token.substr(0, dot), token.substr(dot + 1)};
    for (int i = 0; i < count_ && !trap_; ++i) trap_ = is_trap(seen_[i], d) || is_trap(d, seen_[i]);
    seen_[count_++] = d;
  }
  bool trap() const { return trap_; }

 private:
  struct Decimal {
    std::string_view whole, fraction;
  };
  // Same integer part, `a` has more fraction digits and is the smaller number.
  static bool is_trap(const Decimal& a, const Decimal& b) {
    if (a.whole != b.whole || a.fraction.size() <= b.fraction.size()) return false;
    for (std::size_t i = 0; i < a.fraction.size(); ++i) {
      const char bd = i < b.fraction.size() ? b.fraction[i] : '0';
      if (a.fraction[i] != bd) return a.fraction[i] < bd;
    }
    return false;
  }
  std::array<Decimal, kMax> seen_{};
  int count_ = 0;
  bool trap_ = false;
};

// Walks `text` once. Sink: void(uint32_t ns, uint32_t index).
template <class Sink>
void visit_text(std::string_view text, const RequestShape& shape, uint32_t hash_bits,
                std::array<float, kDenseCount>& dense, Sink&& sink) {
  const std::size_t original_size = text.size();
  if (text.size() > kMaxTextBytes) text = text.substr(text.size() - kMaxTextBytes);
  uint64_t window = 0;  // last (up to 8) normalised bytes, for character n-grams
  uint32_t filled = 0;  // bytes in window
  bool last_space = true;
  uint64_t word_hash = fnv_init;
  uint32_t word_len = 0;
  bool word_numeric = true;
  uint64_t prev_word = 0;
  bool have_prev = false;
  std::size_t words = 0, word_chars = 0, numbers = 0, lines = 1, questions = 0;
  std::size_t digits = 0, uppers = 0, non_ascii = 0, punct = 0;
  std::size_t code = 0, math = 0, indented = 0;
  std::size_t line_start_spaces = 0;
  bool at_line_start = true;
  DecimalPairs decimals;
  std::size_t pos = 0;  // index of the byte being visited (word end for end_word)

  auto end_word = [&]() {
    if (word_len == 0) return;
    ++words;
    word_chars += word_len;
    if (word_numeric) {
      ++numbers;
      decimals.add(text.substr(pos - word_len, word_len));
    }
    if (word_len <= 12) {
      if (is_code_word(word_hash)) ++code;
      if (is_math_word(word_hash)) ++math;
    }
    sink(kWordUnigram, bucket(word_hash, kWordUnigram, hash_bits));
    if (have_prev) {
      sink(kWordBigram,
           bucket(prev_word * 0x2127599bf4325c37ULL + word_hash, kWordBigram, hash_bits));
    }
    prev_word = word_hash;
    have_prev = true;
    word_hash = fnv_init;
    word_len = 0;
    word_numeric = true;
  };

  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    pos = i;
    const unsigned char raw = static_cast<unsigned char>(text[i]);
    const unsigned char c = lower(raw);
    // Dense counters.
    if (is_digit(raw))
      ++digits;
    else if (raw >= 'A' && raw <= 'Z')
      ++uppers;
    else if (raw >= 0x80)
      ++non_ascii;
    else if (raw == '\n') {
      ++lines;
      at_line_start = true;
      line_start_spaces = 0;
    } else if (raw > ' ' && !is_word_byte(c)) {
      ++punct;
      switch (raw) {
        case '?':
          ++questions;
          break;
        case '{':
        case '}':
        case ';':
          ++code;
          break;
        case '`':
          ++code;
          break;
        case '\\':
        case '$':
        case '^':
          ++math;
          break;
        default:
          break;
      }
    }
    if (at_line_start) {
      if (raw == ' ' || raw == '\t') {
        if (++line_start_spaces == 4) ++indented;
      } else if (raw != '\n') {
        at_line_start = false;
      }
    }
    // Words: alphanumeric runs; '.' or ',' inside a number continues it (13.11).
    if (is_word_byte(c)) {
      word_hash = fnv_step(word_hash, c);
      ++word_len;
      if (!is_digit(c)) word_numeric = false;
    } else if ((c == '.' || c == ',') && word_len > 0 && word_numeric && i + 1 < n &&
               is_digit(static_cast<unsigned char>(text[i + 1]))) {
      word_hash = fnv_step(word_hash, c);
      ++word_len;
    } else {
      end_word();
    }
    // Character n-grams over lower-cased text with whitespace runs collapsed.
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && last_space) continue;
    last_space = space;
    window = (window << 8) | (space ? ' ' : c);
    if (filled < 8) ++filled;
    if (filled >= 3) sink(kChar3, bucket(window & 0xffffffULL, kChar3, hash_bits));
    if (filled >= 4) sink(kChar4, bucket(window & 0xffffffffULL, kChar4, hash_bits));
    if (filled >= 5) sink(kChar5, bucket(window & 0xffffffffffULL, kChar5, hash_bits));
  }
  pos = n;
  end_word();

  const double chars = static_cast<double>(shape.total_chars ? shape.total_chars : original_size);
  const double seen = n ? static_cast<double>(n) : 1.0;
  dense[kLogChars] = static_cast<float>(std::log1p(chars));
  dense[kLogWords] = static_cast<float>(std::log1p(static_cast<double>(words)));
  dense[kLogLines] = static_cast<float>(std::log1p(static_cast<double>(lines)));
  dense[kCodeScore] = static_cast<float>(std::log1p(static_cast<double>(code + indented)));
  dense[kMathScore] = static_cast<float>(std::log1p(static_cast<double>(math)));
  dense[kLogQuestions] = static_cast<float>(std::log1p(static_cast<double>(questions)));
  dense[kLogMessages] = static_cast<float>(std::log1p(static_cast<double>(shape.messages)));
  dense[kToolsPresent] = shape.tools > 0 ? 1.0f : 0.0f;
  dense[kLogTools] = static_cast<float>(std::log1p(static_cast<double>(shape.tools)));
  dense[kImagesPresent] = shape.images > 0 ? 1.0f : 0.0f;
  dense[kDigitRatio] = static_cast<float>(digits / seen);
  dense[kUpperRatio] = static_cast<float>(uppers / seen);
  dense[kNonAsciiRatio] = static_cast<float>(non_ascii / seen);
  dense[kPunctRatio] = static_cast<float>(punct / seen);
  dense[kAvgWordLen] =
      words ? static_cast<float>(std::min(20.0, static_cast<double>(word_chars) / words)) : 0.0f;
  dense[kLogNumbers] = static_cast<float>(std::log1p(static_cast<double>(numbers)));
  dense[kDecimalTrap] = decimals.trap() ? 1.0f : 0.0f;
  dense[kLogSystemChars] = static_cast<float>(std::log1p(static_cast<double>(shape.system_chars)));
}

}  // namespace sy::classifier::detail
