// Token counting speed on a 10 kB prompt mixing English prose and code, per encoding.
//   ninja -C <build> bench_tokenize && <build>/bench/bench_tokenize
#include <benchmark/benchmark.h>

#include <string>

#include "tokenize/tokenizer.h"

namespace {

std::string make_prompt(size_t bytes) {
  static constexpr const char* kParts[] = {
      "You are a careful assistant. Summarize the following design notes for a reviewer, "
      "keeping every number and name exactly as written, and point out anything that looks "
      "inconsistent with the rest of the document.\n\n",
      "The gateway admits a request only after reserving its worst-case cost against the "
      "key's budget; settlement later releases the reservation and debits the actual cost, "
      "so concurrent requests can never overspend. Rate limits count requests per minute, "
      "tokens per minute and parallel streams.\n",
      "```cpp\nsize_t Tokenizer::count(std::string_view text) const {\n  size_t total = 0;\n"
      "  for (auto piece : split(text)) total += merge(piece);\n  return total;\n}\n```\n",
      "def retry(fn, attempts=3, backoff_ms=250):\n    for i in range(attempts):\n"
      "        try:\n            return fn()\n        except TimeoutError as e:\n"
      "            time.sleep(backoff_ms * 2 ** i / 1000)\n    raise RuntimeError(\"gave up\")\n",
      "| model | context | input $/M | output $/M |\n|---|---|---|---|\n"
      "| gpt-4o | 128000 | 2.50 | 10.00 |\n| gpt-4o-mini | 128000 | 0.15 | 0.60 |\n",
  };
  std::string prompt;
  for (size_t i = 0; prompt.size() < bytes; ++i) prompt += kParts[i % std::size(kParts)];
  prompt.resize(bytes);
  return prompt;
}

void count_prompt(benchmark::State& state, sy::tokenize::Encoding encoding) {
  const std::string prompt = make_prompt(10 * 1024);
  const sy::tokenize::Tokenizer& tok = sy::tokenize::tokenizer(encoding);
  size_t tokens = 0;
  for (auto _ : state) {
    tokens = tok.count(prompt);
    benchmark::DoNotOptimize(tokens);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * prompt.size()));
  state.counters["tokens"] = static_cast<double>(tokens);
}

void BM_CountO200k10kB(benchmark::State& state) {
  count_prompt(state, sy::tokenize::Encoding::kO200kBase);
}
void BM_CountCl100k10kB(benchmark::State& state) {
  count_prompt(state, sy::tokenize::Encoding::kCl100kBase);
}

BENCHMARK(BM_CountO200k10kB)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CountCl100k10kB)->Unit(benchmark::kMicrosecond);

}  // namespace
