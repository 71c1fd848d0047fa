// Every metric Switchyard exports, declared once (Envoy style): adding a
// metric is one line here. Each entry is KIND(id, "name", "help", LABELS(...)).
//
// Units follow Prometheus conventions: durations in seconds, money in USD.
// Label values are supplied at record time, in the order declared here.
// Gauges marked GAUGE are per worker and summed on scrape; GLOBAL_GAUGE values
// are process-wide and set from any thread (Registry::set_global).
#pragma once

#define SY_LABELS(...) \
  { __VA_ARGS__ }

#define SY_TELEMETRY_METRICS(COUNTER, GAUGE, GLOBAL_GAUGE, HISTOGRAM)                          \
  COUNTER(kRequests, "switchyard_requests_total",                                              \
          "Requests answered, by requested model, serving provider and deployment, HTTP "      \
          "status and error class.",                                                           \
          SY_LABELS("model", "provider", "deployment", "status", "error_class"))               \
  COUNTER(kPromptTokens, "switchyard_prompt_tokens_total",                                     \
          "Prompt (input) tokens reported by providers.", SY_LABELS("model", "key_id"))        \
  COUNTER(kCompletionTokens, "switchyard_completion_tokens_total",                             \
          "Completion (output) tokens reported by providers.", SY_LABELS("model", "key_id"))   \
  COUNTER(kCostUsd, "switchyard_cost_usd_total", "Cost of answered requests in US dollars.",   \
          SY_LABELS("model", "key_id"))                                                        \
  COUNTER(kRetries, "switchyard_retries_total",                                                \
          "Attempts repeated after a retryable upstream failure.",                             \
          SY_LABELS("model", "deployment", "error_class"))                                     \
  COUNTER(kFallbacks, "switchyard_fallbacks_total",                                            \
          "Requests that moved to another deployment after a failure.",                        \
          SY_LABELS("model", "from_deployment", "to_deployment"))                              \
  COUNTER(kHedges, "switchyard_hedges_total", "Hedged (duplicate) upstream attempts started.", \
          SY_LABELS("model", "deployment"))                                                    \
  COUNTER(kUpstreamConnects, "switchyard_upstream_connects_total",                             \
          "New upstream connections opened (pool misses).", SY_LABELS("origin"))               \
  COUNTER(kAccessLogDropped, "switchyard_access_log_dropped_total",                            \
          "Access-log lines dropped because the writer queue was full.", SY_LABELS())          \
  GAUGE(kInFlight, "switchyard_requests_in_flight", "Requests being handled right now.",       \
        SY_LABELS())                                                                           \
  GLOBAL_GAUGE(kUpstreamIdleConnections, "switchyard_upstream_idle_connections",               \
               "Idle keep-alive upstream connections held in the pools.", SY_LABELS("origin")) \
  GLOBAL_GAUGE(kCircuitBreakerState, "switchyard_circuit_breaker_state",                       \
               "Circuit-breaker state per deployment: 0 closed, 1 half-open, 2 open.",         \
               SY_LABELS("deployment"))                                                        \
  HISTOGRAM(kRequestDuration, "switchyard_request_duration_seconds",                           \
            "Total request latency as the client saw it, to the last byte.",                   \
            SY_LABELS("model", "provider"))                                                    \
  HISTOGRAM(kTimeToFirstToken, "switchyard_time_to_first_token_seconds",                       \
            "Time from request received to the first streamed byte sent to the client.",       \
            SY_LABELS("model", "provider"))                                                    \
  HISTOGRAM(kUpstreamDuration, "switchyard_upstream_duration_seconds",                         \
            "Latency of upstream exchanges, request sent to last byte received.",              \
            SY_LABELS("provider", "deployment"))                                               \
  HISTOGRAM(kOverhead, "switchyard_overhead_seconds",                                          \
            "Time Switchyard itself spent on a request (total minus upstream time).", SY_LABELS())
