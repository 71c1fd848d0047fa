// What one finished request looked like: filled by the server at request end
// and consumed by the access log (access_log.h) and the per-request metrics
// (request_metrics.h). Views only: the strings must outlive the calls that
// read the summary. Never put a key here, only its id.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace sy::telemetry {

struct RequestSummary {
  std::chrono::system_clock::time_point received_at{};  // when the request's headers arrived
  std::string_view request_id;
  std::string_view key_id;                // virtual key id; empty when unauthenticated
  std::string_view model;                 // as requested by the client
  std::string_view provider;              // serving provider; empty when none answered
  std::string_view deployment;            // serving deployment name
  std::string_view upstream_model;        // model name sent upstream
  int status = 0;                         // HTTP status sent to the client
  std::string_view error_class = "none";  // providers::to_string(ErrorClass), "none" on success
  bool stream = false;

  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  double cost_usd = 0;

  double latency_ms = 0;    // received → last byte sent
  double ttft_ms = -1;      // received → first streamed byte; < 0 when not streamed
  double upstream_ms = -1;  // time spent in upstream exchanges; < 0 when none
  int attempts = 0;         // upstream attempts made (1 = no retry)

  std::string_view trace_id;  // 32 hex digits (TraceContext::trace_id_hex())

  // Logged only when access_log.include_text is on (opt-in per config).
  std::string_view prompt_text;
  std::string_view completion_text;
};

}  // namespace sy::telemetry
