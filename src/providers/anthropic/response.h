// Decodes a non-streamed Anthropic Messages answer into OpenAI's
// chat.completion shape, and the shared pieces the stream transcoder needs
// (stop_reason → finish_reason, usage fields → api::Usage).
//
// Text blocks are concatenated into message.content (null when there is no
// text); tool_use blocks become tool_calls with the input re-serialised as the
// arguments string; other block kinds (thinking, server tools) are dropped.
// Usage: prompt_tokens = input + cache_read + cache_creation tokens. Errors
// (undecodable body) are kServerError. Pure functions; thread-safe.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string_view>

#include "providers/adapter.h"

namespace sy::providers::anthropic {

// end_turn/stop_sequence/pause_turn → stop, max_tokens → length,
// tool_use → tool_calls, refusal → content_filter; unknown → stop.
std::string_view finish_reason_for(std::string_view stop_reason);

// Folds an Anthropic usage object into `u` (fields present overwrite) and
// recomputes prompt_tokens. `u.known` becomes true.
void merge_usage(simdjson::dom::element usage, int64_t& input_tokens, api::Usage& u);

// `fallback_model` is used when the body names none; `created` is the
// response's Unix time.
Expected<DecodedResponse, UpstreamError> decode_message(std::string_view body,
                                                        std::string_view fallback_model,
                                                        int64_t created);

}  // namespace sy::providers::anthropic
