// Cost of a request in integer micro-dollars, from per-million-token prices.
//
// Prices are integer micro-dollars per million tokens (so $2.50/M is
// 2'500'000), which makes a token cost exact in pico-dollars and the only
// rounding the final one (half up, to the micro-dollar). Billing follows
// api::Usage's conventions: prompt_tokens include cached ones (cached ones
// are billed at cached_input, the rest at input); completion_tokens include
// reasoning tokens, which are therefore billed as output and never twice.
// Pure functions; thread-safe. Catalog prices are converted at the edge with
// Prices::from_usd_per_million.
#pragma once

#include <cstdint>
#include <optional>

#include "api/usage.h"
#include "store/money.h"

namespace sy::governance {

struct Prices {
  store::Micros input = 0;         // per million input tokens
  store::Micros output = 0;        // per million output tokens
  store::Micros cached_input = 0;  // per million cached input tokens

  // cached_input defaults to the input price when the catalog has none.
  static Prices from_usd_per_million(double input, double output,
                                     std::optional<double> cached_input = std::nullopt);
};

store::Micros cost_micros(const Prices& prices, const api::Usage& usage);
// Upper bound before dispatch: every prompt token uncached at the input price
// plus `max_output_tokens` at the output price.
store::Micros worst_case_cost_micros(const Prices& prices, int64_t prompt_tokens,
                                     int64_t max_output_tokens);

}  // namespace sy::governance
