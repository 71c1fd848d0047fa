// Deterministic synthetic content shared by every wire format: the reply
// words, token counts, tool-call arguments, ids, embeddings. Pure functions;
// thread-safe (ids use a thread-local generator).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/scenario.h"

namespace sy::emulator {

// What a format's request parser extracts for synthesis.
struct RequestFacts {
  std::string model;
  bool stream = false;
  bool include_usage = false;         // OpenAI stream_options.include_usage
  std::optional<int64_t> max_tokens;  // cap on completion tokens
  std::string last_user_text;
  int64_t prompt_words = 0;  // whitespace words in all prompt text
  bool has_tools = false;
  std::string tool_name;      // first tool offered
  std::string tool_arg_name;  // first property of its schema, or "location"
  std::string stop_sequence;  // first stop sequence, if any
};

enum class Finish { kStop, kLength, kToolCalls, kContentFilter, kStopSequence };

struct Completion {
  std::vector<std::string> pieces;  // one per token; all but the first start with ' '
  Finish finish = Finish::kStop;
  bool tool_call = false;
  std::string tool_name;
  std::string tool_args_json;              // complete arguments object
  std::vector<std::string> arg_fragments;  // tool_args_json split for streaming
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  std::string text() const;  // concatenated pieces
};

constexpr int kDefaultTokens = 12;

// ceil(words * 1.3), at least 1.
int64_t prompt_tokens_for_words(int64_t words);
int64_t count_words(std::string_view text);

// Plans the answer: a tool call when tools are offered and the last user text
// mentions "weather" (or the scenario says tool=1), else text of
// `scenario.tokens` (default kDefaultTokens) words capped by max_tokens.
Completion plan_completion(const RequestFacts& facts, const Scenario& scenario);

// "<prefix><n random [A-Za-z0-9]>".
std::string random_id(std::string_view prefix, int n);
int64_t unix_seconds();
int64_t unix_millis();

// Unit-length pseudo-embedding of `text` with `dims` components.
std::vector<float> embedding_for(std::string_view text, int dims);
std::string base64_encode(std::string_view bytes);

}  // namespace sy::emulator
