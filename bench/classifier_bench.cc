// Latency of routing classification for a typical (~1.5 kB) prompt, through
// the JSON request path and the plain-text path, with the built-in model.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <string>

#include "classifier/model.h"

namespace {

std::string typical_prompt() {
  std::string p =
      "## Question: \n\nYou are given a Python function and an assertion containing an input to "
      "the function. Complete the assertion with a literal containing the output when executing "
      "the provided code on the given input.\n\n[PYTHON]\ndef f(nums):\n    output = []\n    for "
      "n in nums:\n        output.append((nums.count(n), n))\n    output.sort(reverse=True)\n    "
      "return output\nassert f([1, 1, 3, 1, 3, 1]) == ??\n[/PYTHON]\n\n";
  while (p.size() < 1500) {
    p += "Please reason step by step about the loop, the counts and the final ordering, then "
         "give the answer in the JSON format described below. ";
  }
  return p;
}

void BM_ScoreText(benchmark::State& state) {
  const auto& model = sy::classifier::Model::builtin();
  const std::string prompt = typical_prompt();
  for (auto _ : state) benchmark::DoNotOptimize(model.score(prompt));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * prompt.size()));
}
BENCHMARK(BM_ScoreText);

void BM_ScoreRequestJson(benchmark::State& state) {
  const auto& model = sy::classifier::Model::builtin();
  std::string body = R"({"model":"auto","messages":[{"role":"system","content":"Be precise."},)"
                     R"({"role":"user","content":")";
  for (char c : typical_prompt()) {
    if (c == '\n')
      body += "\\n";
    else if (c == '"')
      body += "\\\"";
    else
      body += c;
  }
  body += R"("}]})";
  simdjson::dom::parser parser;
  simdjson::dom::object root = parser.parse(body).get_object().value();
  for (auto _ : state) benchmark::DoNotOptimize(model.score(root));
}
BENCHMARK(BM_ScoreRequestJson);

}  // namespace

BENCHMARK_MAIN();
