// Decodes a Bedrock Converse response (output.message.content, stopReason,
// usage) into OpenAI's chat.completion shape. Helpers are shared with the
// stream transcoder. Pure; thread-safe.
#pragma once

#include <simdjson.h>

#include <string_view>

#include "api/usage.h"
#include "providers/adapter.h"
#include "providers/chat_output.h"

namespace sy::providers::bedrock {

// Converse stopReason → OpenAI finish_reason.
std::string_view map_stop_reason(std::string_view reason);

// Converse "usage" → Usage. prompt_tokens counts cache reads and writes too.
void read_converse_usage(simdjson::dom::element usage, api::Usage& out);

UpstreamError malformed_response(std::string_view what);

Expected<DecodedResponse, UpstreamError> decode_converse(std::string_view body,
                                                         std::string_view model,
                                                         const IdSource& ids);

}  // namespace sy::providers::bedrock
