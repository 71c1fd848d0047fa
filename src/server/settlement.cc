#include "server/settlement.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

#include "server/services.h"

namespace sy::server {

governance::Prices prices_of(const catalog::ModelInfo* info) {
  if (info == nullptr) return {};
  return governance::Prices::from_usd_per_million(info->price.input, info->price.output,
                                                  info->price.cached_input);
}

Settlement::Settlement(Services* services, std::string request_id,
                       boost::asio::any_io_executor executor)
    : services_(services), executor_(std::move(executor)) {
  row_.request_id = std::move(request_id);
}

int64_t Settlement::elapsed_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start_)
      .count();
}

void Settlement::set_attempt(std::string_view provider, std::string_view model,
                             const catalog::ModelInfo* info) {
  row_.provider = std::string(provider);
  row_.upstream_model = std::string(model);
  info_ = info;
}

Settlement::~Settlement() {
  if (services_ == nullptr) return;
  store::Micros cost = 0;
  if (usage_.known) cost = governance::cost_micros(prices_of(info_), usage_);
  if (ticket_) {
    governance::AsyncGovernor& governor = *services_->governor;
    if (usage_.known && usage_.total() > 0) {
      boost::asio::co_spawn(executor_, governor.settle(std::move(*ticket_), usage_, prices_of(info_)),
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
