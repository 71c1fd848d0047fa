// Encodes an OpenAI chat completions request as an Anthropic Messages API
// request body (POST /v1/messages).
//
// Mapping: system/developer messages → top-level "system"; consecutive
// messages of one role merge into one message with several content blocks;
// assistant tool_calls → tool_use blocks; tool messages → user tool_result
// blocks (placed before other blocks of the merged user message); image_url
// parts → base64 or url image sources; stop → stop_sequences; user →
// metadata.user_id; tools/tool_choice/parallel_tool_calls → Anthropic tools
// and tool_choice. max_tokens is always set (client value, else the target's
// default, else 4096).
//
// Errors are client errors (status 400) naming the offending field. Pure
// function; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/error.h"
#include "api/request.h"
#include "util/expected.h"

namespace sy::providers::anthropic {

inline constexpr int64_t kFallbackMaxTokens = 4096;

// The Messages API body for `req` (a chat completions request) at `model`.
Expected<std::string, api::ApiError> encode_messages_body(const api::Request& req,
                                                          std::string_view model,
                                                          int64_t default_max_tokens);

}  // namespace sy::providers::anthropic
