#include "server/settlement.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

#include "providers/adapter.h"
#include "server/services.h"
#include "telemetry/request_metrics.h"

namespace sy::server {

governance::Prices prices_of(const catalog::ModelInfo* info) {
  if (info == nullptr) return {};
  return governance::Prices::from_usd_per_million(info->price.input, info->price.output,
                                                  info->price.cached_input);
}

governance::Prices prices_of(const std::optional<catalog::Price>& override_price,
                             const catalog::ModelInfo* info) {
  if (override_price) {
    return governance::Prices::from_usd_per_million(override_price->input, override_price->output,
                                                    override_price->cached_input);
  }
  return prices_of(info);
}

Settlement::Settlement(Services* services, std::string request_id,
                       boost::asio::any_io_executor executor, Observers observers)
    : services_(services), executor_(std::move(executor)), observers_(observers) {
  row_.request_id = std::move(request_id);
  if (observers_.metrics != nullptr) observers_.metrics->add(telemetry::Gauge::kInFlight, {}, 1);
}

void Settlement::record_telemetry(double cost_usd) const {
  if (observers_.metrics == nullptr && observers_.access_log == nullptr) return;
  telemetry::RequestSummary s;
  s.received_at = received_at_;
  s.request_id = row_.request_id;
  s.key_id = row_.key_id;
  s.model = row_.requested_model;
  s.provider = row_.provider;
  s.deployment = row_.provider;
  s.upstream_model = row_.upstream_model;
  s.status = row_.status;
  s.error_class = row_.error_class.empty() ? std::string_view("none") : std::string_view(row_.error_class);
  s.stream = stream_;
  s.prompt_tokens = usage_.prompt_tokens;
  s.completion_tokens = usage_.completion_tokens;
  s.cached_tokens = usage_.cached_tokens;
  s.cost_usd = cost_usd;
  s.latency_ms = static_cast<double>(elapsed_ms());
  s.ttft_ms = static_cast<double>(row_.ttft_ms);
  if (has_upstream_time_) {
    s.upstream_ms = std::chrono::duration<double, std::milli>(upstream_time_).count();
  }
  s.attempts = row_.attempts;
  s.trace_id = trace_id_;
  if (observers_.metrics != nullptr) {
    telemetry::record_request(*observers_.metrics, s);
    observers_.metrics->add(telemetry::Gauge::kInFlight, {}, -1);
  }
  if (observers_.access_log != nullptr) {
    static const telemetry::AccessLogFormat kDefaultFormat;
    observers_.access_log->submit(telemetry::format_access_line(
        s, observers_.access_format ? *observers_.access_format : kDefaultFormat));
  }
}

int64_t Settlement::elapsed_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start_)
      .count();
}

void Settlement::set_attempt(std::string_view provider, std::string_view model,
                             const governance::Prices& prices) {
  row_.provider = std::string(provider);
  row_.upstream_model = std::string(model);
  prices_ = prices;
}

Settlement::~Settlement() {
  store::Micros cost = 0;
  if (usage_.known) cost = governance::cost_micros(prices_, usage_);
  cost += extra_cost_;
  record_telemetry(static_cast<double>(cost) / 1e6);
  if (services_ == nullptr) return;
  if (ticket_) {
    governance::AsyncGovernor& governor = *services_->governor;
    const int64_t tokens = usage_.known ? usage_.total() : 0;
    if (tokens > 0 || cost > 0) {
      boost::asio::co_spawn(executor_, governor.settle_cost(std::move(*ticket_), cost, tokens),
                            boost::asio::detached);
    } else {
      boost::asio::co_spawn(executor_, governor.release(std::move(*ticket_)), boost::asio::detached);
    }
  }
  row_.time_ms = services_->clock.now_ms();
  row_.latency_ms = elapsed_ms();
  row_.prompt_tokens = usage_.prompt_tokens;
  row_.completion_tokens = usage_.completion_tokens;
  row_.cached_tokens = usage_.cached_tokens;
  row_.reasoning_tokens = usage_.reasoning_tokens;
  row_.cost = cost;
  if (!services_->ledger->append(std::move(row_))) {
    spdlog::warn("ledger queue full: a usage row was dropped");
  }
}

}  // namespace sy::server
