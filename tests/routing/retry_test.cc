#include "routing/retry.h"

#include <gtest/gtest.h>

namespace sy::routing {
namespace {

using namespace std::chrono_literals;
using providers::ErrorClass;

RetryOptions opts() {
  RetryOptions o;
  o.max_attempts = 6;
  o.base_delay = 100ms;
  o.max_delay = 1s;
  return o;
}

TEST(Retry, NeverRetriesFinalClasses) {
  RetryPolicy p(opts());
  Rng rng(1);
  for (ErrorClass c : {ErrorClass::kClientError, ErrorClass::kAuth, ErrorClass::kContextLength,
                       ErrorClass::kContentPolicy, ErrorClass::kNone}) {
    EXPECT_FALSE(p.next_delay(0, c, std::nullopt, rng)) << providers::to_string(c);
  }
  for (ErrorClass c : {ErrorClass::kRateLimited, ErrorClass::kOverloaded, ErrorClass::kServerError,
                       ErrorClass::kTransport, ErrorClass::kTimeout}) {
    EXPECT_TRUE(p.next_delay(0, c, std::nullopt, rng)) << providers::to_string(c);
  }
}

TEST(Retry, FullJitterWithinExponentialCeiling) {
  RetryPolicy p(opts());
  EXPECT_EQ(p.ceiling(0), 100ms);
  EXPECT_EQ(p.ceiling(1), 200ms);
  EXPECT_EQ(p.ceiling(3), 800ms);
  EXPECT_EQ(p.ceiling(4), 1s);
  EXPECT_EQ(p.ceiling(40), 1s);
  Rng rng(42);
  for (int attempt = 0; attempt < 5; ++attempt) {
    Nanos lo = Nanos::max(), hi = Nanos(0);
    double sum = 0;
    for (int i = 0; i < 10'000; ++i) {
      auto d = p.next_delay(attempt, ErrorClass::kServerError, std::nullopt, rng);
      ASSERT_TRUE(d);
      lo = std::min(lo, *d);
      hi = std::max(hi, *d);
      sum += static_cast<double>(d->count());
    }
    const double ceil = static_cast<double>(p.ceiling(attempt).count());
    EXPECT_GE(lo.count(), 0);
    EXPECT_LT(static_cast<double>(hi.count()), ceil);
    EXPECT_LT(static_cast<double>(lo.count()), ceil * 0.01);  // full jitter reaches ~0
    EXPECT_GT(static_cast<double>(hi.count()), ceil * 0.99);
    EXPECT_NEAR(sum / 10'000 / ceil, 0.5, 0.02);
  }
}

TEST(Retry, AttemptsAndDeadline) {
  RetryPolicy p(opts());
  Rng rng(3);
  EXPECT_TRUE(p.next_delay(4, ErrorClass::kServerError, std::nullopt, rng));
  EXPECT_FALSE(p.next_delay(5, ErrorClass::kServerError, std::nullopt, rng));  // 6 attempts used
  EXPECT_FALSE(p.next_delay(0, ErrorClass::kRateLimited, 30s, rng, 10s));      // hint past deadline
  auto d = p.next_delay(0, ErrorClass::kRateLimited, 3s, rng, 10s);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, 3s);  // the hint is longer than any jitter
}

TEST(Retry, ParseRetryAfter) {
  const int64_t now = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parse_retry_after("120", now), 120s);
  EXPECT_EQ(parse_retry_after(" 1.5 ", now), 1500ms);
  EXPECT_EQ(parse_retry_after("0", now), 0s);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now), 30s);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:40:00 GMT", now), 0s);  // past
  EXPECT_EQ(parse_retry_after("99999999", now), kMaxHint);
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("Sun, 06 Foo 1994 08:50:07 GMT", now));
  EXPECT_EQ(parse_retry_after_ms("250"), 250ms);
  EXPECT_EQ(parse_retry_after_ms("12.5"), 12500us);
}

TEST(Retry, ParseResetHeaders) {
  const int64_t now = 1714564800;  // 2024-05-01T12:00:00Z
  EXPECT_EQ(parse_reset("1s", now), 1s);
  EXPECT_EQ(parse_reset("6m0s", now), 6min);
  EXPECT_EQ(parse_reset("250ms", now), 250ms);
  EXPECT_EQ(parse_reset("0h2m3.5s", now), 123500ms);
  EXPECT_EQ(parse_reset("2h", now), kMaxHint);  // clamped
  EXPECT_EQ(parse_reset("20us", now), 20us);
  EXPECT_EQ(parse_reset("7", now), 7s);
  EXPECT_EQ(parse_reset("2024-05-01T12:00:30Z", now), 30s);
  EXPECT_EQ(parse_reset("2024-05-01T14:00:30.250+02:00", now), 30s);
  EXPECT_FALSE(parse_reset("1x", now));
  EXPECT_FALSE(parse_reset("s", now));
  EXPECT_FALSE(parse_reset("", now));
}

TEST(Retry, WaitHintPrefersRetryAfter) {
  const int64_t now = 1714564800;
  EXPECT_EQ(wait_hint({"2", "", "1s", "6m0s"}, ErrorClass::kRateLimited, now), 2s);
  EXPECT_EQ(wait_hint({"2", "1500", "", ""}, ErrorClass::kRateLimited, now), 1500ms);
  EXPECT_EQ(wait_hint({"", "", "1s", "6m0s"}, ErrorClass::kRateLimited, now), 1s);
  EXPECT_FALSE(wait_hint({"", "", "1s", "6m0s"}, ErrorClass::kServerError, now));
  EXPECT_FALSE(wait_hint({}, ErrorClass::kRateLimited, now));
}

}  // namespace
}  // namespace sy::routing
