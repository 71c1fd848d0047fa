// Money is integer micro-dollars (1 USD = 1'000'000) everywhere inside the
// gateway, so sums never drift; conversion to and from USD happens only at
// the edges (admin JSON, CLI, config). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace sy::store {

using Micros = int64_t;

inline constexpr Micros kMicrosPerUsd = 1'000'000;

// Rounds to the nearest micro-dollar (half away from zero).
Micros usd_to_micros(double usd);
double micros_to_usd(Micros m);
// "12.345678" — exact decimal text with six fractional digits, for JSON and tables.
std::string format_usd(Micros m);

}  // namespace sy::store
