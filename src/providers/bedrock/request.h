// Encodes an OpenAI chat request as a Bedrock Converse request body
// (messages, system, inferenceConfig, toolConfig). user/tool → "user",
// assistant → "assistant", consecutive turns of one role merged; system and
// developer messages become "system" blocks; images must be base64 data URLs
// (Bedrock fetches no URLs). Errors are client errors naming the field.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "api/error.h"
#include "api/request.h"
#include "util/expected.h"

namespace sy::providers::bedrock {

// `default_max_tokens` (> 0) is used when the client set no max tokens.
Expected<std::string, api::ApiError> encode_converse(const api::Request& req,
                                                     int64_t default_max_tokens);

}  // namespace sy::providers::bedrock
