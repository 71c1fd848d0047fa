// Anthropic Messages API: POST /v1/messages, non-stream and SSE stream
// (message_start, content_block_start, ping, content_block_delta...,
// content_block_stop, message_delta, message_stop; `error` events).
// Requires x-api-key (401) and anthropic-version (400) headers. Errors use
// {"type":"error","error":{"type","message"},"request_id"}. Pure functions.
#pragma once

#include <string_view>

#include "emulator/reply.h"
#include "emulator/scenario.h"

namespace sy::emulator {

Reply anthropic_messages(const Inbound& in, const Scenario& s, bool faults);

Reply anthropic_error(int status, std::string_view type, std::string_view message);

}  // namespace sy::emulator
