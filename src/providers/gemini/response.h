// Decodes a Gemini GenerateContentResponse into OpenAI's chat.completion
// shape: candidates[i].content.parts (text; functionCall → tool_calls with
// generated call_ ids; thought parts skipped), finishReason and usageMetadata.
// Helpers here are shared with the stream transcoder. Pure; thread-safe.
#pragma once

#include <simdjson.h>

#include <string_view>

#include "api/usage.h"
#include "providers/adapter.h"
#include "providers/chat_output.h"

namespace sy::providers::gemini {

// Gemini finishReason → OpenAI finish_reason. STOP becomes "tool_calls" when
// the candidate called a function.
std::string_view map_finish_reason(std::string_view reason, bool has_tool_calls);

// usageMetadata → Usage (thoughts count as completion and reasoning tokens).
void read_usage_metadata(simdjson::dom::element meta, api::Usage& out);

// The error returned when a body is not valid JSON of the expected shape.
UpstreamError malformed_response(std::string_view what);

Expected<DecodedResponse, UpstreamError> decode_generate_content(std::string_view body,
                                                                 std::string_view model,
                                                                 const IdSource& ids);

}  // namespace sy::providers::gemini
