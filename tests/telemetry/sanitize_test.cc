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

}  // namespace
}  // namespace sy::telemetry
