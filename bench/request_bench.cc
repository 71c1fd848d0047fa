// Microbenchmarks of the request path's hot pieces: request parse, model
// rewrite, OpenAI SSE relay and the telemetry recorded per request.
// Run: ninja -C <build> bench_request && <build>/bench/bench_request
#include <benchmark/benchmark.h>

#include <string>

#include "api/request.h"
#include "api/rewrite.h"
#include "providers/openai/stream.h"
#include "telemetry/access_log.h"
#include "telemetry/request_metrics.h"
#include "telemetry/trace_context.h"

namespace {

// The body bench/chat.lua posts: a short system + user conversation.
const std::string kChatBody =
    R"({"model":"bench-model","messages":[{"role":"system","content":"You are a concise assistant. )"
    R"(Answer in one paragraph."},{"role":"user","content":"Explain in two sentences why )"
    R"(keep-alive connections reduce latency for HTTP APIs, and name one drawback."}],)"
    R"("temperature":0.2,"max_tokens":256,"user":"bench"})";

void BM_ParseRequest(benchmark::State& state) {
  for (auto _ : state) {
    auto r = sy::api::parse_request(sy::api::Endpoint::kChatCompletions, kChatBody);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kChatBody.size()));
}
BENCHMARK(BM_ParseRequest);

void BM_RewriteModel(benchmark::State& state) {
  auto req = sy::api::parse_request(sy::api::Endpoint::kChatCompletions, kChatBody);
  if (!req) {
    state.SkipWithError("parse failed");
    return;
  }
  sy::api::RewriteOptions opts;
  opts.upstream_model = "gpt-4o-mini-2024-07-18";
  opts.force_include_usage = true;
  for (auto _ : state) {
    std::string out = sy::api::rewrite_body(*req, opts);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_RewriteModel);

// One realistic chunk event as OpenAI sends it.
std::string chunk_event(int i) {
  return R"(data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,)"
         R"("model":"gpt-4o-mini","system_fingerprint":"fp_bench","choices":[{"index":0,)"
         R"("delta":{"content":" token)" +
         std::to_string(i) + R"("},"logprobs":null,"finish_reason":null}]})" + "\n\n";
}

// Per chunk: feed one upstream event, get the client's bytes.
void BM_OpenAiStreamRelayPerChunk(benchmark::State& state) {
  std::string event = chunk_event(7);
  sy::providers::openai::OpenAiStreamRelay relay(false);
  std::string out;
  for (auto _ : state) {
    out.clear();
    auto r = relay.feed(event, out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OpenAiStreamRelayPerChunk);

// A whole 100-chunk stream with the usage chunk and [DONE].
void BM_OpenAiStreamRelayWholeStream(benchmark::State& state) {
  std::string stream;
  for (int i = 0; i < 100; ++i) stream += chunk_event(i);
  stream +=
      R"(data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,)"
      R"("model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":40,"completion_tokens":100,)"
      R"("total_tokens":140}})"
      "\n\ndata: [DONE]\n\n";
  for (auto _ : state) {
    sy::providers::openai::OpenAiStreamRelay relay(true);
    std::string out;
    auto r = relay.feed(stream, out);
    auto f = relay.finish(out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(f);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_OpenAiStreamRelayWholeStream);

sy::telemetry::RequestSummary bench_summary() {
  sy::telemetry::RequestSummary r;
  r.received_at = std::chrono::system_clock::now();
  r.request_id = "0123456789abcdef0123456789abcdef";
  r.key_id = "team-a";
  r.model = "bench-model";
  r.provider = "bench";
  r.deployment = "bench/gpt-4o-mini";
  r.upstream_model = "gpt-4o-mini";
  r.status = 200;
  r.prompt_tokens = 40;
  r.completion_tokens = 100;
  r.cost_usd = 0.0000660;
  r.latency_ms = 1.234;
  r.upstream_ms = 1.1;
  r.attempts = 1;
  r.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  return r;
}

// The metrics one request records (existing series: the steady state).
void BM_TelemetryRecordRequest(benchmark::State& state) {
  sy::telemetry::Registry registry(1);
  auto summary = bench_summary();
  for (auto _ : state) sy::telemetry::record_request(registry.shard(0), summary);
}
BENCHMARK(BM_TelemetryRecordRequest);

void BM_TelemetryAccessLine(benchmark::State& state) {
  auto summary = bench_summary();
  for (auto _ : state) {
    std::string line = sy::telemetry::format_access_line(summary);
    benchmark::DoNotOptimize(line);
  }
}
BENCHMARK(BM_TelemetryAccessLine);

void BM_TraceparentContinue(benchmark::State& state) {
  for (auto _ : state) {
    auto ctx =
        sy::telemetry::start_trace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "");
    std::string up = ctx.upstream_traceparent();
    benchmark::DoNotOptimize(up);
  }
}
BENCHMARK(BM_TraceparentContinue);

}  // namespace

BENCHMARK_MAIN();
