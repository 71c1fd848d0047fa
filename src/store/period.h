// Budget periods. A budget resets at the start of each period, in UTC:
// daily at 00:00, weekly on Monday 00:00, monthly on the 1st at 00:00;
// `never` has one period starting at the epoch. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sy::store {

enum class BudgetPeriod { kNever, kDaily, kWeekly, kMonthly };

std::string_view period_name(BudgetPeriod p);  // "never", "daily", "weekly", "monthly"
std::optional<BudgetPeriod> parse_period(std::string_view s);

// Start (ms since epoch, UTC) of the period containing `now_ms`.
int64_t period_start_ms(BudgetPeriod p, int64_t now_ms);

}  // namespace sy::store
