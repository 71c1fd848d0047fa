#include "governance/admission.h"

#include <fmt/format.h>

namespace sy::governance {

std::string format_reset(int64_t ms) {
  if (ms <= 0) return "0s";
  if (ms < 1000) return fmt::format("{}ms", ms);
  const int64_t seconds = (ms + 999) / 1000;
  const int64_t h = seconds / 3600, m = (seconds % 3600) / 60, s = seconds % 60;
  if (h > 0) return fmt::format("{}h{}m{}s", h, m, s);
  if (m > 0) return fmt::format("{}m{}s", m, s);
  return fmt::format("{}s", s);
}

store::AdmitRequest make_admit_request(const store::KeyRecord& key, const AdmissionInput& input,
                                       int64_t now_ms) {
  store::AdmitRequest r;
  r.key_id = key.id;
  r.limits = {key.rpm, key.tpm, key.max_parallel, key.budget, key.budget_period};
  r.seed = {key.period_start_ms, key.spent, key.credits};
  r.estimated_tokens =
      std::max<int64_t>(input.prompt_tokens, 0) + std::max<int64_t>(input.max_output_tokens, 0);
  r.worst_case_cost =
      worst_case_cost_micros(input.prices, input.prompt_tokens, input.max_output_tokens);
  r.now_ms = now_ms;
  return r;
}

Headers rate_limit_headers(const store::Admission& a) {
  Headers h;
  if (a.requests.limit > 0) {
    h.emplace_back("x-ratelimit-limit-requests", std::to_string(a.requests.limit));
    h.emplace_back("x-ratelimit-remaining-requests", std::to_string(a.requests.remaining));
    h.emplace_back("x-ratelimit-reset-requests", format_reset(a.requests.reset_ms));
  }
  if (a.tokens.limit > 0) {
    h.emplace_back("x-ratelimit-limit-tokens", std::to_string(a.tokens.limit));
    h.emplace_back("x-ratelimit-remaining-tokens", std::to_string(a.tokens.remaining));
    h.emplace_back("x-ratelimit-reset-tokens", format_reset(a.tokens.reset_ms));
  }
  return h;
}

Expected<Ticket, Rejection> interpret(const store::Admission& a,
                                      const store::AdmitRequest& request) {
  using Outcome = store::Admission::Outcome;
  if (a.outcome == Outcome::kAdmitted) {
    return Ticket{a.reservation, request.estimated_tokens, request.worst_case_cost,
                  rate_limit_headers(a)};
  }
  Rejection r;
  r.headers = rate_limit_headers(a);
  switch (a.outcome) {
    case Outcome::kRequestsExceeded:
      r.error = api::rate_limited(
          fmt::format("Rate limit reached for requests: limit {} per minute.", request.limits.rpm));
      break;
    case Outcome::kTokensExceeded:
      r.error = request.estimated_tokens > request.limits.tpm
                    ? api::rate_limited(fmt::format(
                          "Request too large: {} tokens requested, limit {} tokens per minute.",
                          request.estimated_tokens, request.limits.tpm))
                    : api::rate_limited(fmt::format(
                          "Rate limit reached for tokens: limit {} per minute, requested {}.",
                          request.limits.tpm, request.estimated_tokens));
      break;
    case Outcome::kParallelExceeded:
      r.error = api::rate_limited(
          fmt::format("Too many parallel requests: limit {}.", request.limits.max_parallel));
      break;
    case Outcome::kBudgetExceeded:
      r.error = api::insufficient_quota(
          "You exceeded your current quota: this key's budget cannot cover the request.");
      break;
    case Outcome::kCreditsExceeded:
      r.error = api::insufficient_quota(
          "You exceeded your current quota: this key's credits cannot cover the request.");
      break;
    case Outcome::kUnavailable:
      r.error = api::service_unavailable(
          "Rate limits and budgets cannot be checked right now (counter store unreachable).",
          "counters_unavailable");
      break;
    case Outcome::kAdmitted:
      break;
  }
  if (a.outcome == Outcome::kUnavailable) {
    r.headers = {{"retry-after", "1"}};
    return unexpected(std::move(r));
  }
  if (a.retry_after_ms > 0 || a.outcome == Outcome::kParallelExceeded ||
      a.outcome == Outcome::kRequestsExceeded || a.outcome == Outcome::kTokensExceeded) {
    const int64_t seconds = std::max<int64_t>(1, (a.retry_after_ms + 999) / 1000);
    r.headers.insert(r.headers.begin(), {"retry-after", std::to_string(seconds)});
  }
  return unexpected(std::move(r));
}

Expected<Ticket, Rejection> Governor::admit(const store::KeyRecord& key,
                                            const AdmissionInput& input) {
  const store::AdmitRequest request = make_admit_request(key, input, clock_.now_ms());
  return interpret(counters_.admit(request), request);
}

store::Micros Governor::settle(const Ticket& ticket, const api::Usage& usage,
                               const Prices& prices) {
  const store::Micros cost = cost_micros(prices, usage);
  settle_cost(ticket, cost, usage.total());
  return cost;
}

bool Governor::settle_cost(const Ticket& ticket, store::Micros cost, int64_t actual_tokens) {
  return counters_.settle(ticket.reservation, {cost, actual_tokens, clock_.now_ms()});
}

bool Governor::release(const Ticket& ticket) { return counters_.release(ticket.reservation); }

}  // namespace sy::governance
