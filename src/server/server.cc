#include "server/server.h"

#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <map>
#include <string_view>

#include "server/services.h"
#include "server/worker.h"

namespace sy::server {

namespace asio = boost::asio;

namespace {

// The circuit-breaker state gauge's value: 0 closed, 1 half-open, 2 open.
double breaker_gauge_value(routing::BreakerState s) {
  switch (s) {
    case routing::BreakerState::kClosed:
      return 0;
    case routing::BreakerState::kHalfOpen:
      return 1;
    case routing::BreakerState::kOpen:
      return 2;
  }
  return 0;
}

// Publishes every deployment's breaker state under its deployment label (the
// provider key, as in the request metrics). A provider serving several
// groups shows its worst breaker.
void publish_breaker_states(const routing::RoutingTable& table, telemetry::Registry& r) {
  std::map<std::string_view, double> worst;
  for (const routing::GroupRuntime& g : table.groups()) {
    for (const routing::DeploymentRuntime& d : g.deployments) {
      double v = d.health ? breaker_gauge_value(d.health->breaker().state()) : 0;
      auto [it, inserted] = worst.emplace(d.provider, v);
      if (!inserted && v > it->second) it->second = v;
    }
  }
  for (const auto& [deployment, v] : worst) {
    r.set_global(telemetry::GlobalGauge::kCircuitBreakerState, {deployment}, v);
  }
}

// Sums every worker's upstream pool figures per origin.
void publish_pool_stats(const std::vector<std::unique_ptr<Worker>>& workers, telemetry::Registry& r) {
  std::map<std::string, upstream::Pool::OriginStats> sum;
  for (const auto& w : workers) {
    for (const upstream::Pool::OriginStats& s : w->pool().stats()) {
      upstream::Pool::OriginStats& t = sum[s.origin];
      t.idle += s.idle;
      t.connects += s.connects;
    }
  }
  for (const auto& [origin, s] : sum) {
    r.set_global(telemetry::GlobalGauge::kUpstreamIdleConnections, {origin},
                 static_cast<double>(s.idle));
    r.set_global_total(telemetry::Counter::kUpstreamConnects, {origin},
                       static_cast<double>(s.connects));
  }
}

}  // namespace

SharedState::SharedState(config::ConfigPtr c)
    : config(std::move(c)), tls(asio::ssl::context::tls_client) {
  tls.set_default_verify_paths();
  tls.set_verify_mode(asio::ssl::verify_peer);
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  started_at = static_cast<int64_t>(std::time(nullptr));
}

Server::Server(config::ConfigPtr config, Services* services,
               std::shared_ptr<const routing::RoutingTable> routing)
    : shared_(std::move(config)) {
  shared_.services = services;
  shared_.routing = std::move(routing);
}

Server::~Server() {
  for (auto& w : workers_) w->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void Server::start() {
  const config::Config& cfg = *shared_.config;
  int n = cfg.workers > 0 ? cfg.workers : static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  shared_.metrics = std::make_unique<telemetry::Registry>(static_cast<std::size_t>(n));
  if (cfg.access_log_path != "off") {
    shared_.access_log = std::make_unique<telemetry::AccessLogWriter>(
        telemetry::AccessLogOptions{cfg.access_log_path, 8192});
    shared_.access_format.include_text = cfg.access_log_text;
  }
  shared_.metrics->add_collector([this](telemetry::Registry& r) {
    if (shared_.access_log) {
      r.set_global_total(telemetry::Counter::kAccessLogDropped, {},
                         static_cast<double>(shared_.access_log->dropped()));
    }
    if (shared_.routing) publish_breaker_states(*shared_.routing, r);
    publish_pool_stats(workers_, r);
  });
  asio::ip::tcp::endpoint ep(asio::ip::make_address(cfg.listen.host), cfg.listen.port);
  for (int i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, shared_));
    workers_.back()->bind(ep);
    // With port 0, every worker must share the first worker's port.
    if (i == 0 && ep.port() == 0) ep.port(workers_[0]->local_port());
  }
  for (auto& w : workers_) threads_.emplace_back([w = w.get()] { w->run(); });
  shared_.listening = true;
}

uint16_t Server::port() const { return workers_.empty() ? 0 : workers_[0]->local_port(); }

void Server::shutdown() { stop_requested_ = true; }

int Server::run() {
  // Signals are handled on this thread's own io_context, apart from workers.
  asio::io_context signals_ctx(1);
  asio::signal_set signals(signals_ctx, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (!ec) {
      spdlog::info("received {}, draining (up to {} ms)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                   shared_.config->drain_timeout.count());
      stop_requested_ = true;
    }
  });
  // Meanwhile, reload keys once a second so changes made by the CLI (or
  // another process sharing the store) take effect.
  auto next_reload = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (!stop_requested_) {
    signals_ctx.run_for(std::chrono::milliseconds(50));
    if (shared_.services != nullptr && std::chrono::steady_clock::now() >= next_reload) {
      next_reload += std::chrono::seconds(1);
      shared_.services->reload_keys();
    }
  }

  shared_.draining = true;
  for (auto& w : workers_) w->begin_drain();
  auto deadline = std::chrono::steady_clock::now() + shared_.config->drain_timeout;
  while (std::chrono::steady_clock::now() < deadline &&
         shared_.connections.load(std::memory_order_relaxed) > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  int left = shared_.connections.load();
  if (left > 0) spdlog::warn("drain timeout: closing {} connection(s) still open", left);
  for (auto& w : workers_) w->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  if (shared_.access_log) shared_.access_log->stop();
  spdlog::info("shut down cleanly");
  return 0;
}

}  // namespace sy::server
