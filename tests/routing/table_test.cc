#include "routing/table.h"

#include <gtest/gtest.h>

#include "fixture.h"

namespace sy::routing {
namespace {

using testing::caps;
using testing::Tables;

TEST(Table, SmallestKnownContextWindow) {
  Tables t;
  // Builtin catalog: gpt-4o 128k, claude-3-5-sonnet-latest 200k; "unlisted" is unknown.
  t.add("a", {{"anthropic", "claude-3-5-sonnet-latest"}, {"openai", "unlisted-model-x"}});
  t.add("b", {{"openai", "gpt-4o"}});
  EXPECT_EQ(t.build().smallest_context_window(), 128'000);
}

TEST(Table, NoKnownContextWindowIsZero) {
  Tables t;
  t.add("a", {{"openai", "unlisted-model-x"}});
  EXPECT_EQ(t.build().smallest_context_window(), 0);
}

TEST(Table, PromptCountMattersOnlyForLeastCostOrTokenWindows) {
  {
    Tables t;
    t.add("a", {{"openai", "gpt-4o"}, {"openai", "gpt-4o-mini"}}, Strategy::kRoundRobin);
    t.add("b", {{"openai", "gpt-4o", caps(0, 0, 4)}}, Strategy::kUsageBased);  // parallel only
    EXPECT_FALSE(t.build().prompt_count_matters());
  }
  {
    Tables t;
    t.add("a", {{"openai", "gpt-4o"}});
    t.add("b", {{"openai", "gpt-4o"}}, Strategy::kLeastCost);
    EXPECT_TRUE(t.build().prompt_count_matters());
  }
  for (auto c : {caps(0, 1000, 0), caps(60, 0, 0)}) {
    Tables t;
    t.add("a", {{"openai", "gpt-4o"}, {"openai", "gpt-4o", c}});
    EXPECT_TRUE(t.build().prompt_count_matters());
  }
}

}  // namespace
}  // namespace sy::routing
