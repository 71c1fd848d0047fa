// AWS Bedrock Runtime Converse API: POST /model/{modelId}/converse (JSON)
// and /model/{modelId}/converse-stream (application/vnd.amazon.eventstream
// frames: messageStart, [contentBlockStart], contentBlockDelta...,
// contentBlockStop, messageStop, metadata; exceptions as exception frames).
// Requires an Authorization header starting "AWS4-HMAC-SHA256" (403
// otherwise); the signature is not verified. Errors: {"message"} with the
// x-amzn-ErrorType header. Frames come from providers/bedrock/event_stream.h.
#pragma once

#include <string_view>

#include "emulator/reply.h"
#include "emulator/scenario.h"

namespace sy::emulator {

// `model_id` is the raw (possibly percent-encoded) path segment.
Reply bedrock_converse(const Inbound& in, const Scenario& s, bool faults, std::string_view model_id,
                       bool stream);

Reply bedrock_error(int status, std::string_view error_type, std::string_view message);

}  // namespace sy::emulator
