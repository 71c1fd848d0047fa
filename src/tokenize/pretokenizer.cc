#include "tokenize/pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace sy::tokenize {
namespace {

// clang-format off
// Unicode White_Space, as a class body.
#define SY_WS "\\t\\n\\x0B\\f\\r\\x20\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"

constexpr char kO200kPattern[] =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|\\p{N}{1,3}"
    "| ?[^" SY_WS "\\p{L}\\p{N}]+[\\r\\n/]*"
    "|[" SY_WS "]*[\\r\\n]+"
    "|[" SY_WS "]+(?![^" SY_WS "])"
    "|[" SY_WS "]+";

constexpr char kCl100kPattern[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)"
    "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
    "|\\p{N}{1,3}"
    "| ?[^" SY_WS "\\p{L}\\p{N}]+[\\r\\n]*"
    "|[" SY_WS "]*[\\r\\n]+"
    "|[" SY_WS "]+(?![^" SY_WS "])"
    "|[" SY_WS "]+";

#undef SY_WS
// clang-format on

struct MatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};

// One match data block per thread, shared by both patterns (no capture groups: one pair).
pcre2_match_data* thread_match_data() {
  thread_local std::unique_ptr<pcre2_match_data, MatchDataDeleter> data(
      pcre2_match_data_create(1, nullptr));
  return data.get();
}

}  // namespace

std::string_view o200k_base_pattern() { return kO200kPattern; }
std::string_view cl100k_base_pattern() { return kCl100kPattern; }

Pretokenizer::Pretokenizer(std::string_view pattern) {
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &error,
                                   &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    std::fprintf(stderr, "sy::tokenize: split pattern does not compile at %zu: %s\n",
                 static_cast<size_t>(error_offset), reinterpret_cast<char*>(message));
    std::abort();
  }
  // Without JIT (e.g. an unsupported CPU) matching still works through the interpreter.
  jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  code_ = code;
}

Pretokenizer::~Pretokenizer() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

bool Pretokenizer::find(std::string_view text, size_t pos, size_t& begin, size_t& end) const {
  pcre2_match_data* data = thread_match_data();
  const auto* code = static_cast<const pcre2_code*>(code_);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  // pcre2_jit_match skips pcre2_match's per-call checks (measurable at ~4 bytes per match).
  const int rc = jit_ ? pcre2_jit_match(code, subject, text.size(), pos, 0, data, nullptr)
                      : pcre2_match(code, subject, text.size(), pos, 0, data, nullptr);
  if (rc < 0) return false;  // PCRE2_ERROR_NOMATCH, or a limit: the caller takes the rest
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
  begin = ovector[0];
  end = ovector[1];
  if (end <= begin) end = begin + 1;  // no alternative matches empty; stay safe regardless
  return true;
}

}  // namespace sy::tokenize
