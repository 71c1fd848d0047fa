// Microbenchmarks of SSE transcoding per wire format: a whole 100-chunk
// stream of text deltas (plus the provider's opening and closing events),
// reported per chunk. Upstream formats into OpenAI chunks: Anthropic
// Messages, Gemini streamGenerateContent (alt=sse), Bedrock ConverseStream
// (binary event stream). Client format: OpenAI chunks into Anthropic events
// for /v1/messages clients. (OpenAI to OpenAI is BM_OpenAiStreamRelay* in
// request_bench.cc.)
// Run: ninja -C <build> bench_transcode && <build>/bench/bench_transcode
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "providers/anthropic/inbound.h"
#include "providers/anthropic/stream.h"
#include "providers/bedrock/event_stream.h"
#include "providers/bedrock/stream.h"
#include "providers/chat_output.h"
#include "providers/gemini/stream.h"

namespace {

constexpr int kChunks = 100;

std::string anthropic_stream() {
  std::string s =
      "event: message_start\n"
      R"(data: {"type":"message_start","message":{"id":"msg_bench","type":"message",)"
      R"("role":"assistant","content":[],"model":"claude-3-5-haiku-20241022","stop_reason":null,)"
      R"("stop_sequence":null,"usage":{"input_tokens":40,"output_tokens":1}}})"
      "\n\nevent: content_block_start\n"
      R"(data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"
      "\n\n";
  for (int i = 0; i < kChunks; ++i) {
    s += "event: content_block_delta\n";
    s += R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" token)" +
         std::to_string(i) + R"("}})" + "\n\n";
  }
  s += "event: content_block_stop\n"
       R"(data: {"type":"content_block_stop","index":0})"
       "\n\nevent: message_delta\n"
       R"(data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},)"
       R"("usage":{"output_tokens":100}})"
       "\n\nevent: message_stop\n"
       R"(data: {"type":"message_stop"})"
       "\n\n";
  return s;
}

std::string gemini_stream() {
  std::string s;
  for (int i = 0; i < kChunks; ++i) {
    s += R"(data: {"candidates": [{"content": {"parts": [{"text": " token)" + std::to_string(i) +
         R"("}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 40,)"
         R"("candidatesTokenCount": )" +
         std::to_string(i + 1) + R"(,"totalTokenCount": )" + std::to_string(41 + i) +
         R"(},"modelVersion": "gemini-2.0-flash"})" + "\n\n";
  }
  s += R"(data: {"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},)"
       R"("finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 40,)"
       R"("candidatesTokenCount": 100,"totalTokenCount": 140},"modelVersion": "gemini-2.0-flash"})"
       "\n\n";
  return s;
}

std::string bedrock_stream() {
  using sy::providers::bedrock::encode_converse_event;
  std::string s = encode_converse_event("messageStart", R"({"role":"assistant"})");
  for (int i = 0; i < kChunks; ++i) {
    s += encode_converse_event(
        "contentBlockDelta",
        R"({"contentBlockIndex":0,"delta":{"text":" token)" + std::to_string(i) + R"("}})");
  }
  s += encode_converse_event("contentBlockStop", R"({"contentBlockIndex":0})");
  s += encode_converse_event("messageStop", R"({"stopReason":"end_turn"})");
  s += encode_converse_event(
      "metadata",
      R"({"usage":{"inputTokens":40,"outputTokens":100,"totalTokens":140},"metrics":{"latencyMs":900}})");
  return s;
}

std::string openai_stream() {
  std::string s;
  for (int i = 0; i < kChunks; ++i) {
    s += R"(data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,)"
         R"("model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" token)" +
         std::to_string(i) + R"("},"finish_reason":null}]})" + "\n\n";
  }
  s += R"(data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,)"
       R"("model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"
       "\n\n"
       R"(data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,)"
       R"("model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":40,"completion_tokens":100,)"
       R"("total_tokens":140}})"
       "\n\ndata: [DONE]\n\n";
  return s;
}

// Feeds the whole body to a fresh transcoder per iteration (any type with
// feed(bytes, out) and finish(out) returning something that tests true).
template <class MakeTranscoder>
void run_transcoder(benchmark::State& state, const std::string& body, MakeTranscoder make) {
  std::string out;
  out.reserve(64 * 1024);
  for (auto _ : state) {
    auto t = make();
    out.clear();
    auto fed = t->feed(body, out);
    auto done = t->finish(out);
    if (!fed || !done) {
      state.SkipWithError("the stream did not transcode");
      return;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * kChunks);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}

void BM_AnthropicToOpenAi(benchmark::State& state) {
  run_transcoder(state, anthropic_stream(), [] {
    return std::make_unique<sy::providers::anthropic::AnthropicStreamTranscoder>(
        "claude-3-5-haiku", 1700000000, true);
  });
}
BENCHMARK(BM_AnthropicToOpenAi);

void BM_GeminiToOpenAi(benchmark::State& state) {
  auto ids = sy::providers::default_id_source();
  run_transcoder(state, gemini_stream(), [&] {
    return std::make_unique<sy::providers::gemini::GeminiStreamTranscoder>("gemini-2.0-flash",
                                                                            true, ids);
  });
}
BENCHMARK(BM_GeminiToOpenAi);

void BM_BedrockToOpenAi(benchmark::State& state) {
  auto ids = sy::providers::default_id_source();
  run_transcoder(state, bedrock_stream(), [&] {
    return std::make_unique<sy::providers::bedrock::BedrockStreamTranscoder>("claude-on-bedrock",
                                                                              true, ids);
  });
}
BENCHMARK(BM_BedrockToOpenAi);

// The client side of /v1/messages: OpenAI chunks into Anthropic events.
void BM_OpenAiToAnthropicClient(benchmark::State& state) {
  run_transcoder(state, openai_stream(), [] {
    return std::make_unique<sy::providers::anthropic::OpenAiToAnthropicStream>("msg_bench",
                                                                               "claude-3-5-haiku");
  });
}
BENCHMARK(BM_OpenAiToAnthropicClient);

}  // namespace

BENCHMARK_MAIN();
