// One upstream attempt ("leg") of a request and the race between legs.
//
// A Leg is one deployment's encoded request and its exchange. LegRace starts
// legs in coroutines of their own, so a hedge (a second leg on another
// deployment) can run beside the first; the request's coroutine waits with
// next_head() until one of them has a response head (or failed) or a time
// passes. Legs are shared_ptr-owned by their coroutine and by the race, so a
// request that returns while a cancelled loser is still closing its
// connection leaves nothing dangling.
//
// Thread safety: everything runs on the worker's single-threaded executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "api/error.h"
#include "api/request.h"
#include "config/config.h"
#include "providers/adapter.h"
#include "routing/run.h"
#include "server/quirks.h"
#include "telemetry/trace_context.h"
#include "upstream/exchange.h"
#include "util/expected.h"

namespace sy::server {

struct Leg {
  config::ConfigPtr config;  // keeps `deployment` and `provider` alive
  const config::Deployment* deployment = nullptr;
  const providers::ProviderSettings* provider = nullptr;
  const providers::ProviderAdapter* adapter = nullptr;
  QuirkPlan quirks;
  upstream::HttpRequest request;
  std::optional<routing::Admission> admission;  // routed legs only
  std::unique_ptr<upstream::Exchange> exchange;
  std::chrono::steady_clock::time_point started;
  // Set by the leg's coroutine when the head (or a failure) arrived.
  std::optional<Expected<upstream::ResponseHead, upstream::Failure>> head;
  std::chrono::nanoseconds ttfb{0};
  bool taken = false;  // next_head() returned it

  bool pending() const { return !head.has_value(); }
};

// Encodes `req` for `deployment` (quirks, wire format, trace headers).
// Errors: a parameter the model refuses (reject mode) or cannot be encoded.
Expected<std::shared_ptr<Leg>, api::ApiError> prepare_leg(const config::ConfigPtr& config,
                                                          const config::Deployment& deployment,
                                                          const api::Request& req,
                                                          const telemetry::TraceContext& trace);

class LegRace {
 public:
  explicit LegRace(boost::asio::any_io_executor executor);

  // Sends `leg` now, in a coroutine of its own.
  void launch(std::shared_ptr<Leg> leg, upstream::Pool& pool, upstream::Deadlines deadlines);
  // Sends `leg` in the calling coroutine and returns when its head (or a
  // failure) arrived: for a race that will have no other leg (no hedging),
  // it saves the spawned coroutine and the timer wake-up. abort_others()
  // from elsewhere still ends it. The leg joins the race when this is
  // called; await the result at once. `leg` must outlive the call.
  boost::asio::awaitable<void> run_alone(const std::shared_ptr<Leg>& leg, upstream::Pool& pool,
                                         upstream::Deadlines deadlines);
  // The next leg whose head arrived and was not returned before, waiting at
  // most until `until`; nullptr when `until` passed first or no leg is pending.
  boost::asio::awaitable<std::shared_ptr<Leg>> next_head(
      std::chrono::steady_clock::time_point until);
  // Aborts every pending leg but `keep` (nullptr: all).
  void abort_others(const Leg* keep);
  bool any_pending() const;
  const std::vector<std::shared_ptr<Leg>>& legs() const { return legs_; }

 private:
  void begin(const std::shared_ptr<Leg>& leg, upstream::Pool& pool, upstream::Deadlines deadlines);

  const std::shared_ptr<boost::asio::steady_timer>& signal();

  boost::asio::any_io_executor executor_;
  std::shared_ptr<boost::asio::steady_timer> signal_;  // cancelled when a head arrives; lazy
  std::vector<std::shared_ptr<Leg>> legs_;
};

}  // namespace sy::server
