#include "telemetry/sanitize.h"

#include <gtest/gtest.h>

namespace sy::telemetry {
namespace {

TEST(Sanitize, RedactsBearerTokensAndKeyLookalikes) {
  EXPECT_EQ(redact_secrets("Bearer sk-proj-abcdefghijklmnop"), "Bearer [REDACTED]");
  EXPECT_EQ(redact_secrets("authorization: bearer abc.def-ghi"),
            "authorization: bearer [REDACTED]");
  EXPECT_EQ(redact_secrets("Basic dXNlcjpwYXNz"), "Basic [REDACTED]");
  EXPECT_EQ(redact_secrets("key=sk-ant-api03-AAAAAAAAAAAA,next"), "key=sk-[REDACTED],next");
  EXPECT_EQ(redact_secrets("token sk_live_0123456789abcdef"), "token sk_[REDACTED]");
  EXPECT_EQ(redact_secrets("AIzaSyA1234567890abcdefghijkl"), "AIza[REDACTED]");
  EXPECT_EQ(redact_secrets("id AKIAIOSFODNN7EXAMPLE"), "id AKIA[REDACTED]");
}

TEST(Sanitize, LeavesOrdinaryTextAlone) {
  for (std::string_view s : {"gpt-4o-mini", "task-1234567890", "sk-short", "risk-management-plan",
                             "the bearer of news", "mask_abcdefghijkl", ""}) {
    EXPECT_EQ(redact_secrets(s), s) << s;
    EXPECT_FALSE(contains_secret(s)) << s;
  }
}

TEST(Sanitize, RedactsEveryOccurrence) {
  std::string s = redact_secrets("a sk-1234567890abc b sk-zyxwvutsrqpo Bearer tok123456 c");
  EXPECT_EQ(s, "a sk-[REDACTED] b sk-[REDACTED] Bearer [REDACTED] c");
  EXPECT_FALSE(contains_secret(s));
}

TEST(Sanitize, DetectsEveryMatchStartWhateverItsCase) {
  EXPECT_TRUE(contains_secret("x BEARER abcdefgh12"));
  EXPECT_TRUE(contains_secret("x bAsIc abcdefgh12"));
  EXPECT_TRUE(contains_secret("sk-abcdefgh"));
  EXPECT_TRUE(contains_secret("(AKIA12345678)"));
  EXPECT_TRUE(contains_secret("AIzaABCDEFGH"));
  EXPECT_FALSE(contains_secret("SK-abcdefghij aiza12345678 akia12345678"));
  EXPECT_EQ(redact_secrets("SK-abcdefghij"), "SK-abcdefghij");
}

TEST(Sanitize, MatchesOnlyAtAWordBoundary) {
  // Inside a longer word (or after a digit, '-' or '_') nothing starts a match.
  for (std::string_view s : {"xsk-abcdefghijkl", "9sk-abcdefghijkl", "_AKIA12345678",
                             "-AIzaABCDEFGH", "subearer abcdefghijk", "01bbasic abcdefghijk",
                             "0193a1b2c3d4e5f6a7b8c9d0e1f2a3b4"}) {
    EXPECT_FALSE(contains_secret(s)) << s;
    EXPECT_EQ(redact_secrets(s), s) << s;
  }
  // After punctuation, space or a non-ASCII byte, it does.
  for (std::string_view s : {".sk-abcdefghijkl", "\"sk-abcdefghijkl", "=AKIA12345678",
                             "\xc3\xa9" "Bearer abcdefghijk", "/AIzaABCDEFGH"}) {
    EXPECT_TRUE(contains_secret(s)) << s;
  }
  EXPECT_EQ(redact_secrets("\xc3\xa9" "Bearer abcdefghijk"), "\xc3\xa9" "Bearer [REDACTED]");
  // Bytes whose lower bit-5 form is a letter ('@' -> '`', 0xC2 -> 0xE2) are not letters.
  EXPECT_FALSE(contains_secret("x BE@RER abcdefgh12"));
}

}  // namespace
}  // namespace sy::telemetry
