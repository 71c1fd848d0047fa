#include "server/upstream_leg.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sy::server {

namespace asio = boost::asio;

namespace {

// Sends the leg's request and records its head (or failure) and time to it.
asio::awaitable<void> send_leg(Leg& leg) {
  auto head = co_await leg.exchange->start(leg.request);
  leg.ttfb = std::chrono::steady_clock::now() - leg.started;
  leg.head = std::move(head);
}

asio::awaitable<void> run_leg(std::shared_ptr<Leg> leg,
                              std::shared_ptr<asio::steady_timer> signal) {
  co_await send_leg(*leg);
  signal->cancel();
}

}  // namespace

Expected<std::shared_ptr<Leg>, api::ApiError> prepare_leg(const config::ConfigPtr& config,
                                                          const config::Deployment& deployment,
                                                          const api::Request& req,
                                                          const telemetry::TraceContext& trace) {
  auto leg = std::make_shared<Leg>();
  leg->config = config;
  leg->deployment = &deployment;
  leg->provider = &config->providers.at(deployment.provider);
  leg->adapter = providers::adapter_for(leg->provider->type);
  providers::Target target{leg->provider, deployment.model,
                           deployment.info ? deployment.info->max_output_tokens : 0, nullptr};
  if (deployment.info != nullptr && !deployment.info->quirks.empty()) {
    auto planned = plan_quirks(req, deployment.info->quirks,
                               config->unsupported_params == config::Config::UnsupportedParams::kReject,
                               deployment.model);
    if (!planned) return unexpected(std::move(planned.error()));
    leg->quirks = std::move(*planned);
    target.quirks = &leg->quirks.quirks;
  }
  auto encoded = leg->adapter->encode(req, target);
  if (!encoded) return unexpected(std::move(encoded.error()));
  leg->request = std::move(*encoded);
  leg->request.headers.emplace_back("traceparent", trace.upstream_traceparent());
  if (!trace.tracestate.empty()) leg->request.headers.emplace_back("tracestate", trace.tracestate);
  return leg;
}

LegRace::LegRace(asio::any_io_executor executor)
    : executor_(executor) {}

const std::shared_ptr<asio::steady_timer>& LegRace::signal() {
  // Only a race of several legs waits on it: a single leg never builds one.
  if (!signal_) signal_ = std::make_shared<asio::steady_timer>(executor_);
  return signal_;
}

void LegRace::begin(const std::shared_ptr<Leg>& leg, upstream::Pool& pool,
                    upstream::Deadlines deadlines) {
  leg->exchange = std::make_unique<upstream::Exchange>(pool, leg->provider->base, deadlines);
  leg->started = std::chrono::steady_clock::now();
  legs_.push_back(leg);
}

void LegRace::launch(std::shared_ptr<Leg> leg, upstream::Pool& pool, upstream::Deadlines deadlines) {
  begin(leg, pool, deadlines);
  asio::co_spawn(executor_, run_leg(std::move(leg), signal()), asio::detached);
}

// Not a coroutine itself (the leg starts when this is called, which the
// caller awaits at once): a frame and a resumption fewer per request.
asio::awaitable<void> LegRace::run_alone(const std::shared_ptr<Leg>& leg, upstream::Pool& pool,
                                         upstream::Deadlines deadlines) {
  begin(leg, pool, deadlines);
  return send_leg(*leg);
}

asio::awaitable<std::shared_ptr<Leg>> LegRace::next_head(std::chrono::steady_clock::time_point until) {
  for (;;) {
    for (const auto& leg : legs_) {
      if (!leg->pending() && !leg->taken) {
        leg->taken = true;
        co_return leg;
      }
    }
    if (!any_pending() || std::chrono::steady_clock::now() >= until) co_return nullptr;
    // A leg finishing cancels the timer; it cannot finish between the check
    // above and this wait (one thread, no suspension in between).
    signal()->expires_at(until);
    co_await signal()->async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void LegRace::abort_others(const Leg* keep) {
  for (const auto& leg : legs_) {
    if (leg.get() != keep && leg->exchange) leg->exchange->abort();
  }
}

bool LegRace::any_pending() const {
  for (const auto& leg : legs_) {
    if (leg->pending()) return true;
  }
  return false;
}

}  // namespace sy::server
