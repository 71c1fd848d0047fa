// Classifies Bedrock Runtime errors. The error type travels in the
// x-amzn-ErrorType header, which the adapter interface does not pass, so the
// type is read from the body's "__type" (or "code"/"Code") when present —
// "com.amazon...#ValidationException" style prefixes are stripped — and
// otherwise inferred from the HTTP status. The message is the body's
// "message"/"Message". Pure; thread-safe.
#pragma once

#include <string_view>

#include "providers/adapter.h"

namespace sy::providers::bedrock {

UpstreamError classify_bedrock_error(int status, std::string_view body);

// For in-stream exceptions: `exception_type` is the :exception-type header
// (e.g. "throttlingException"), `payload` the message's JSON payload.
UpstreamError classify_stream_exception(std::string_view exception_type, std::string_view payload);

}  // namespace sy::providers::bedrock
