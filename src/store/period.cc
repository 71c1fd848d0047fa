#include "store/period.h"

#include <chrono>

namespace sy::store {

std::string_view period_name(BudgetPeriod p) {
  switch (p) {
    case BudgetPeriod::kDaily:
      return "daily";
    case BudgetPeriod::kWeekly:
      return "weekly";
    case BudgetPeriod::kMonthly:
      return "monthly";
    case BudgetPeriod::kNever:
      break;
  }
  return "never";
}

std::optional<BudgetPeriod> parse_period(std::string_view s) {
  if (s == "never") return BudgetPeriod::kNever;
  if (s == "daily") return BudgetPeriod::kDaily;
  if (s == "weekly") return BudgetPeriod::kWeekly;
  if (s == "monthly") return BudgetPeriod::kMonthly;
  return std::nullopt;
}

int64_t period_start_ms(BudgetPeriod p, int64_t now_ms) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(now_ms)));
  sys_days start{};
  switch (p) {
    case BudgetPeriod::kNever:
      return 0;
    case BudgetPeriod::kDaily:
      start = day;
      break;
    case BudgetPeriod::kWeekly: {
      const weekday wd{day};
      start = day - days((wd.c_encoding() + 6) % 7);  // back to Monday
      break;
    }
    case BudgetPeriod::kMonthly: {
      const year_month_day ymd{day};
      start = sys_days{ymd.year() / ymd.month() / 1};
      break;
    }
  }
  return duration_cast<milliseconds>(start.time_since_epoch()).count();
}

}  // namespace sy::store
