// The Governor's admit/settle/release as Asio coroutines over AsyncCounters,
// for the event loop when counters live on the network (Redis). Same
// decisions and errors as Governor: both use make_admit_request/interpret.
// Thread-safety: as the underlying AsyncCounters.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "governance/admission.h"
#include "store/async_counters.h"

namespace sy::governance {

class AsyncGovernor {
 public:
  AsyncGovernor(store::AsyncCounters& counters, const store::Clock& clock)
      : counters_(counters), clock_(clock) {}

  boost::asio::awaitable<Expected<Ticket, Rejection>> admit(const store::KeyRecord& key,
                                                            AdmissionInput input);
  boost::asio::awaitable<store::Micros> settle(Ticket ticket, api::Usage usage, Prices prices);
  // The caller already computed the cost (e.g. with a hedge's extra cost).
  boost::asio::awaitable<store::Micros> settle_cost(Ticket ticket, store::Micros cost,
                                                    int64_t actual_tokens);
  boost::asio::awaitable<bool> release(Ticket ticket);

 private:
  store::AsyncCounters& counters_;
  const store::Clock& clock_;
};

}  // namespace sy::governance
