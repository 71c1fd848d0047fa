// End-of-request accounting: releases or settles the budget reservation at
// the actual cost, appends the ledger row, records the request's metrics
// (per-worker shard) and queues its access-log line. It runs from the destructor, so
// it happens on every exit path — success, failure, rejection, and a client
// that hung up mid-stream. The counters' settle/release runs as a detached
// coroutine on the worker's executor (Redis answers asynchronously); the
// ledger append is a non-blocking queue push. Per request; single-threaded.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "api/usage.h"
#include "catalog/catalog.h"
#include "governance/admission.h"
#include "store/ledger.h"
#include "telemetry/access_log.h"
#include "telemetry/registry.h"

namespace sy::server {

struct Services;

// Where a finished request is reported besides the ledger. All optional.
struct Observers {
  telemetry::Shard* metrics = nullptr;
  telemetry::AccessLogWriter* access_log = nullptr;
  const telemetry::AccessLogFormat* access_format = nullptr;
};

class Settlement {
 public:
  // `services` may be null (no governance): metrics and logs still happen.
  Settlement(Services* services, std::string request_id, boost::asio::any_io_executor executor,
             Observers observers);
  ~Settlement();
  Settlement(const Settlement&) = delete;
  Settlement& operator=(const Settlement&) = delete;

  void set_key(std::string key_id) { row_.key_id = std::move(key_id); }
  void set_requested_model(std::string_view m) { row_.requested_model = std::string(m); }
  void set_ticket(governance::Ticket t) { ticket_ = std::move(t); }
  // The attempt that is answering (or failed last).
  // `prices`: the deployment's (config override, else catalog).
  void set_attempt(std::string_view provider, std::string_view model,
                   const governance::Prices& prices);
  void count_attempt() { ++row_.attempts; }
  int attempts() const { return row_.attempts; }
  void set_stream(bool stream) { stream_ = stream; }
  void set_trace_id(std::string id) { trace_id_ = std::move(id); }
  void set_status(int status) { row_.status = status; }
  void set_error_class(std::string_view c) { row_.error_class = std::string(c); }
  // Adds the duration of one upstream exchange (request sent → last byte
  // received); the sum is the request's upstream time in metrics and logs.
  void add_upstream_time(std::chrono::steady_clock::duration d) {
    upstream_time_ += d;
    has_upstream_time_ = true;
  }
  void first_byte() {
    if (row_.ttft_ms < 0) row_.ttft_ms = elapsed_ms();
  }
  // Usage the provider reported, or an estimate when it could not report.
  void set_usage(const api::Usage& u) { usage_ = u; }
  // Cost beyond the answering attempt's usage, charged with it: a cancelled
  // hedge leg's processed prompt.
  void add_extra_cost(store::Micros micros) { extra_cost_ += micros; }
  const api::Usage& usage() const { return usage_; }
  int64_t elapsed_ms() const;

 private:
  void record_telemetry(double cost_usd) const;

  Services* services_;
  boost::asio::any_io_executor executor_;
  Observers observers_;
  std::chrono::system_clock::time_point received_at_ = std::chrono::system_clock::now();
  bool stream_ = false;
  std::string trace_id_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration upstream_time_{};
  bool has_upstream_time_ = false;
  store::LedgerRow row_;
  std::optional<governance::Ticket> ticket_;
  governance::Prices prices_;
  api::Usage usage_;
  store::Micros extra_cost_ = 0;
};

// Prices for governance from catalog facts (zero when uncatalogued).
governance::Prices prices_of(const catalog::ModelInfo* info);
// A deployment's prices: its config override, else the catalog's.
governance::Prices prices_of(const std::optional<catalog::Price>& override_price,
                             const catalog::ModelInfo* info);

}  // namespace sy::server
