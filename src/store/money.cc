#include "store/money.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

namespace sy::store {

Micros usd_to_micros(double usd) { return static_cast<Micros>(std::llround(usd * 1e6)); }

double micros_to_usd(Micros m) { return static_cast<double>(m) / 1e6; }

std::string format_usd(Micros m) {
  const bool negative = m < 0;
  const uint64_t abs = negative ? 0 - static_cast<uint64_t>(m) : static_cast<uint64_t>(m);
  return fmt::format("{}{}.{:06}", negative ? "-" : "", abs / 1'000'000, abs % 1'000'000);
}

}  // namespace sy::store
