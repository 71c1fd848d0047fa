#include "governance/cost.h"

#include <gtest/gtest.h>

namespace sy::governance {
namespace {

TEST(Cost, InputCachedOutputAndReasoning) {
  // $2.50 / $10.00 / $1.25 per million (gpt-4o).
  const Prices p = Prices::from_usd_per_million(2.5, 10.0, 1.25);
  api::Usage u;
  u.prompt_tokens = 1'000'000;
  EXPECT_EQ(cost_micros(p, u), 2'500'000);
  u.cached_tokens = 400'000;  // 600k at 2.50 + 400k at 1.25
  EXPECT_EQ(cost_micros(p, u), 1'500'000 + 500'000);
  u = {};
  u.completion_tokens = 1000;
  u.reasoning_tokens = 800;  // included in completion_tokens: billed once, as output
  EXPECT_EQ(cost_micros(p, u), 10'000);
  u = {};
  u.prompt_tokens = 3;  // 7.5 micro-dollars rounds half up
  EXPECT_EQ(cost_micros(p, u), 8);
  EXPECT_EQ(cost_micros(p, {}), 0);
}

TEST(Cost, CachedPriceDefaultsToInputAndWorstCaseBounds) {
  const Prices p = Prices::from_usd_per_million(0.15, 0.6);
  EXPECT_EQ(p.cached_input, p.input);
  for (int64_t prompt : {0, 1, 7, 1234}) {
    for (int64_t out : {0, 1, 9, 4096}) {
      api::Usage u;
      u.prompt_tokens = prompt;
      u.completion_tokens = out;
      EXPECT_GE(worst_case_cost_micros(p, prompt, out), cost_micros(p, u));
    }
  }
  EXPECT_EQ(worst_case_cost_micros(p, 1000, 1000), 750);
}

}  // namespace
}  // namespace sy::governance
