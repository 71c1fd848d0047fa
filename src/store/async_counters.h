// AsyncCounters: the Counters contract as Asio awaitables, for backends that
// talk over the network (Redis, issue 6) and must not block an event loop.
// Governance's async admission path (governance/async_admission.h) calls this.
// SyncCountersAdapter lifts any synchronous Counters (e.g. MemoryCounters,
// whose calls never block on I/O) into this interface at no extra cost.
//
// Thread-safety: as Counters. The adapter does not own the wrapped counters.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "store/counters.h"

namespace sy::store {

class AsyncCounters {
 public:
  virtual ~AsyncCounters() = default;
  virtual boost::asio::awaitable<Admission> admit(AdmitRequest request) = 0;
  virtual boost::asio::awaitable<bool> settle(Reservation reservation, Settlement settlement) = 0;
  virtual boost::asio::awaitable<bool> release(Reservation reservation) = 0;
};

class SyncCountersAdapter final : public AsyncCounters {
 public:
  explicit SyncCountersAdapter(Counters& counters) : counters_(counters) {}
  boost::asio::awaitable<Admission> admit(AdmitRequest request) override {
    co_return counters_.admit(request);
  }
  boost::asio::awaitable<bool> settle(Reservation reservation, Settlement settlement) override {
    co_return counters_.settle(reservation, settlement);
  }
  boost::asio::awaitable<bool> release(Reservation reservation) override {
    co_return counters_.release(reservation);
  }

 private:
  Counters& counters_;
};

}  // namespace sy::store
