#include "governance/async_admission.h"

namespace sy::governance {

boost::asio::awaitable<Expected<Ticket, Rejection>> AsyncGovernor::admit(
    const store::KeyRecord& key, AdmissionInput input) {
  store::AdmitRequest request = make_admit_request(key, input, clock_.now_ms());
  const store::Admission admission = co_await counters_.admit(request);
  co_return interpret(admission, request);
}

boost::asio::awaitable<store::Micros> AsyncGovernor::settle(Ticket ticket, api::Usage usage,
                                                            Prices prices) {
  const store::Micros cost = cost_micros(prices, usage);
  co_await counters_.settle(ticket.reservation, {cost, usage.total(), clock_.now_ms()});
  co_return cost;
}

boost::asio::awaitable<store::Micros> AsyncGovernor::settle_cost(Ticket ticket, store::Micros cost,
                                                                 int64_t actual_tokens) {
  co_await counters_.settle(ticket.reservation, {cost, actual_tokens, clock_.now_ms()});
  co_return cost;
}

boost::asio::awaitable<bool> AsyncGovernor::release(Ticket ticket) {
  co_return co_await counters_.release(ticket.reservation);
}

}  // namespace sy::governance
