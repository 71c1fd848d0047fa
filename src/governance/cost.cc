#include "governance/cost.h"

#include <algorithm>

namespace sy::governance {
namespace {

// tokens × (micros per million) / 1e6, rounded half up, in 128-bit to be
// safe from overflow on absurd inputs.
store::Micros round_millionths(__int128 pico) {
  if (pico <= 0) return 0;
  return static_cast<store::Micros>((pico + 500'000) / 1'000'000);
}

}  // namespace

Prices Prices::from_usd_per_million(double input, double output,
                                    std::optional<double> cached_input) {
  Prices p;
  p.input = store::usd_to_micros(input);
  p.output = store::usd_to_micros(output);
  p.cached_input = store::usd_to_micros(cached_input.value_or(input));
  return p;
}

store::Micros cost_micros(const Prices& prices, const api::Usage& usage) {
  const int64_t prompt = std::max<int64_t>(usage.prompt_tokens, 0);
  const int64_t cached = std::clamp<int64_t>(usage.cached_tokens, 0, prompt);
  const int64_t output = std::max<int64_t>(usage.completion_tokens, 0);
  const __int128 total = static_cast<__int128>(prompt - cached) * prices.input +
                         static_cast<__int128>(cached) * prices.cached_input +
                         static_cast<__int128>(output) * prices.output;
  return round_millionths(total);
}

store::Micros worst_case_cost_micros(const Prices& prices, int64_t prompt_tokens,
                                     int64_t max_output_tokens) {
  const __int128 total =
      static_cast<__int128>(std::max<int64_t>(prompt_tokens, 0)) * prices.input +
      static_cast<__int128>(std::max<int64_t>(max_output_tokens, 0)) * prices.output;
  // Round up so the reservation is never below the settled cost of the same tokens.
  if (total <= 0) return 0;
  return static_cast<store::Micros>((total + 999'999) / 1'000'000);
}

}  // namespace sy::governance
