// Classifies Anthropic error answers ({"type":"error","error":{"type","message"}})
// into an ErrorClass and the OpenAI-shaped error the client sees, keeping
// Anthropic's message (truncated to a bounded length).
//
// Status mapping: 400 invalid_request_error → kClientError ("prompt is too
// long" and other context-window messages → kContextLength); 401/403 → kAuth;
// 404/413/422 and other 4xx → kClientError; 429 → kRateLimited; 529 (or an
// overloaded_error of any status) and 503 → kOverloaded; other 5xx →
// kServerError. Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "providers/adapter.h"

namespace sy::providers::anthropic {

UpstreamError classify_error(int status, std::string_view body);

// For an in-stream `error` event: Anthropic's error type and message → class
// and client error (the HTTP status is unknown there; it is inferred from the type).
UpstreamError stream_error(std::string_view type, std::string_view message);

}  // namespace sy::providers::anthropic
