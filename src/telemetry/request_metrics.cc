#include "telemetry/request_metrics.h"

#include <charconv>

namespace sy::telemetry {

void record_request(Shard& shard, const RequestSummary& r) {
  char status_buf[8];
  auto [end, ec] = std::to_chars(status_buf, status_buf + sizeof status_buf, r.status);
  std::string_view status(status_buf, static_cast<std::size_t>(end - status_buf));
  std::string_view provider = r.provider.empty() ? std::string_view("none") : r.provider;
  std::string_view deployment = r.deployment.empty() ? std::string_view("none") : r.deployment;

  shard.add(Counter::kRequests, {r.model, provider, deployment, status, r.error_class});
  shard.observe(Histogram::kRequestDuration, {r.model, provider}, r.latency_ms / 1e3);
  if (r.ttft_ms >= 0)
    shard.observe(Histogram::kTimeToFirstToken, {r.model, provider}, r.ttft_ms / 1e3);
  if (r.upstream_ms >= 0) {
    shard.observe(Histogram::kUpstreamDuration, {provider, deployment}, r.upstream_ms / 1e3);
    double overhead_ms = r.latency_ms - r.upstream_ms;
    shard.observe(Histogram::kOverhead, {}, (overhead_ms > 0 ? overhead_ms : 0) / 1e3);
  }
  if (r.prompt_tokens > 0 || r.completion_tokens > 0 || r.cost_usd > 0) {
    std::string_view key = r.key_id.empty() ? std::string_view("none") : r.key_id;
    shard.add(Counter::kPromptTokens, {r.model, key}, static_cast<double>(r.prompt_tokens));
    shard.add(Counter::kCompletionTokens, {r.model, key}, static_cast<double>(r.completion_tokens));
    shard.add(Counter::kCostUsd, {r.model, key}, r.cost_usd);
  }
}

}  // namespace sy::telemetry
