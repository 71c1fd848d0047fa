// The gateway server: N workers (one io_context and thread each, sharing
// the listen port through SO_REUSEPORT), signal handling and graceful drain.
//
// Lifecycle: construct → start() (binds; throws on failure) → run() blocks
// until SIGTERM/SIGINT or shutdown(), then stops accepting, lets in-flight
// requests and streams finish for up to the drain timeout, and returns 0.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "config/config.h"
#include "policy/policy.h"
#include "routing/table.h"
#include "telemetry/access_log.h"
#include "telemetry/registry.h"

namespace sy::server {

class Worker;
struct Services;

// State every worker reads; written only at start and shutdown.
struct SharedState {
  explicit SharedState(config::ConfigPtr c);
  config::ConfigPtr config;
  boost::asio::ssl::context tls;
  std::atomic<int> connections{0};     // open client connections, all workers
  std::atomic<int> sessions_busy{0};   // requests being handled right now
  std::atomic<bool> listening{false};
  std::atomic<bool> draining{false};
  int64_t started_at = 0;              // unix seconds
  Services* services = nullptr;        // keys, budgets, ledger; owned by the caller
  std::shared_ptr<const routing::RoutingTable> routing;  // strategies, health, fallbacks
  std::shared_ptr<const policy::PolicySet> policies;     // model "auto"; null = none
  std::unique_ptr<telemetry::Registry> metrics;           // one shard per worker
  std::unique_ptr<telemetry::AccessLogWriter> access_log;  // null when off
  telemetry::AccessLogFormat access_format;
};

class Server {
 public:
  // `services` may be null (no governance: tests of the bare proxy).
  Server(config::ConfigPtr config, Services* services,
         std::shared_ptr<const routing::RoutingTable> routing);
  ~Server();

  // Auto-routing policies (`policies:`); call before start().
  void set_policies(std::shared_ptr<const policy::PolicySet> policies) {
    shared_.policies = std::move(policies);
  }

  void start();
  uint16_t port() const;
  int run();
  // Starts the graceful drain; safe from any thread or a signal handler's
  // io_context.
  void shutdown();

 private:
  SharedState shared_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace sy::server
