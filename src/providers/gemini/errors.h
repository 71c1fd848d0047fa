// Classifies Gemini error answers ({"error":{"code","message","status"}},
// google.rpc.Status) by their status name, falling back on the HTTP status.
// The client-facing message is Gemini's. Pure; thread-safe.
#pragma once

#include <simdjson.h>

#include <string_view>

#include "providers/adapter.h"

namespace sy::providers::gemini {

UpstreamError classify_gemini_error(int http_status, std::string_view body);

// Same, from an already parsed "error" object (in-stream errors).
UpstreamError classify_gemini_error_object(int http_status, simdjson::dom::element error);

}  // namespace sy::providers::gemini
