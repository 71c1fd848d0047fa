// Gemini API: POST /v1beta/models/{model}:generateContent and
// :streamGenerateContent (alt=sse → "data: {...}\r\n\r\n" events; without
// alt=sse → one JSON array sent in chunks). Also accepts the /v1/ prefix.
// The key comes from `x-goog-api-key` or the `key` query parameter (403
// PERMISSION_DENIED otherwise). Errors use {"error":{"code","message",
// "status"}}. Pure functions.
#pragma once

#include <string_view>

#include "emulator/reply.h"
#include "emulator/scenario.h"

namespace sy::emulator {

// `model` is the path segment before ':'; `stream` selects streamGenerateContent.
Reply gemini_generate(const Inbound& in, const Scenario& s, bool faults, std::string_view model,
                      bool stream);

Reply gemini_error(int status, std::string_view message);

}  // namespace sy::emulator
