// Admission and settlement for one authenticated request: rate limits,
// parallelism, and a worst-case budget/credit reservation before dispatch;
// the actual charge after the response ends.
//
// Request path (see also async_admission.h for Asio coroutines):
//   auto ticket = governor.admit(*key, {prompt_tokens, max_output_tokens, prices});
//   if (!ticket) → respond ticket.error().error with ticket.error().headers
//   … dispatch; add ticket->headers to the response (x-ratelimit-*) …
//   on success or partial stream:  governor.settle(*ticket, usage, prices) → cost
//   on failure before any usage:   governor.release(*ticket)
// settle()/release() are idempotent (the first wins) and cheap, so callers
// may run them from a detached completion even when the client hung up.
// Thread-safe: Governor holds no state of its own beyond references.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "api/error.h"
#include "governance/cost.h"
#include "store/clock.h"
#include "store/counters.h"
#include "store/key_record.h"
#include "util/expected.h"

namespace sy::governance {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct AdmissionInput {
  int64_t prompt_tokens = 0;      // exact when known, else an estimate
  int64_t max_output_tokens = 0;  // request's max_tokens, else the model's max output
  Prices prices;
};

struct Ticket {
  store::Reservation reservation;
  int64_t estimated_tokens = 0;
  store::Micros reserved_cost = 0;
  Headers headers;  // x-ratelimit-* for the response
};

struct Rejection {
  api::ApiError error;  // 429 rate_limit_exceeded or insufficient_quota
  Headers headers;      // Retry-After (when a retry can succeed) and x-ratelimit-*
};

// Pure pieces, shared by the sync and async paths.
store::AdmitRequest make_admit_request(const store::KeyRecord& key, const AdmissionInput& input,
                                       int64_t now_ms);
Expected<Ticket, Rejection> interpret(const store::Admission& admission,
                                      const store::AdmitRequest& request);
Headers rate_limit_headers(const store::Admission& admission);
// Go-style duration as OpenAI sends it in x-ratelimit-reset-*: "20ms", "1s", "6m0s".
std::string format_reset(int64_t ms);

class Governor {
 public:
  Governor(store::Counters& counters, const store::Clock& clock)
      : counters_(counters), clock_(clock) {}

  Expected<Ticket, Rejection> admit(const store::KeyRecord& key, const AdmissionInput& input);
  // Charges the actual cost of `usage`; returns it (also when the ticket was
  // already settled or released, in which case nothing is charged again).
  store::Micros settle(const Ticket& ticket, const api::Usage& usage, const Prices& prices);
  // The caller already knows the cost (e.g. computed once for the ledger row).
  bool settle_cost(const Ticket& ticket, store::Micros cost, int64_t actual_tokens);
  bool release(const Ticket& ticket);

 private:
  store::Counters& counters_;
  const store::Clock& clock_;
};

}  // namespace sy::governance
