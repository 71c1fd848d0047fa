// Pretokenizer: splits text into the pieces that BPE merges independently, using one of
// tiktoken's split patterns compiled once with PCRE2 (UTF + UCP + JIT).
//
// Pieces cover every input byte exactly once, in order. Invalid UTF-8 never matches the
// pattern (PCRE2_MATCH_INVALID_UTF); the bytes between matches become pieces of their own,
// so arbitrary bytes are counted (each such byte run is merged as one piece) without error.
// If PCRE2 ever reports a matching error (resource limits), the rest of the text becomes one
// piece: the count stays defined, merely less exact.
//
// Thread-safe: the compiled pattern is immutable; match data is per thread.
// Construction aborts if the pattern does not compile (the patterns are constants).
#pragma once

#include <cstddef>
#include <string_view>

namespace sy::tokenize {

// tiktoken's o200k_base and cl100k_base split patterns in PCRE2 syntax. `\s` is spelled out
// as Unicode White_Space (what tiktoken's Rust regex uses), since PCRE2's \s also matches
// U+180E.
std::string_view o200k_base_pattern();
std::string_view cl100k_base_pattern();

class Pretokenizer {
 public:
  explicit Pretokenizer(std::string_view pattern);
  ~Pretokenizer();
  Pretokenizer(const Pretokenizer&) = delete;
  Pretokenizer& operator=(const Pretokenizer&) = delete;

  // Calls on_piece(std::string_view piece) for each piece of `text`, in order.
  template <class OnPiece>
  void for_each_piece(std::string_view text, OnPiece&& on_piece) const {
    size_t pos = 0;
    while (pos < text.size()) {
      size_t begin = 0;
      size_t end = 0;
      if (!find(text, pos, begin, end)) {
        on_piece(text.substr(pos));
        return;
      }
      if (begin > pos) on_piece(text.substr(pos, begin - pos));
      on_piece(text.substr(begin, end - begin));
      pos = end;
    }
  }

 private:
  // Finds the next non-empty match at or after `pos`; false when there is none (or on a
  // matching error). An empty match is reported as the single byte at its position.
  bool find(std::string_view text, size_t pos, size_t& begin, size_t& end) const;

  void* code_ = nullptr;  // pcre2_code_8*
  bool jit_ = false;
};

}  // namespace sy::tokenize
