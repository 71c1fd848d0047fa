// Scenario faults that reshape an already built Reply, shared by the wire
// formats: malformed bodies/streams and mid-stream error events. Pure.
#pragma once

#include <string>
#include <string_view>

#include "emulator/reply.h"

namespace sy::emulator {

// Non-stream: cuts the body in half (unparseable JSON). Stream: inserts,
// after the first two frames, a frame whose JSON is cut in half.
void make_malformed(Reply& reply);

// Keeps the first `n` frames and appends `error_frame` as the last frame.
void replace_tail_with_error(Reply& reply, int n, std::string error_frame);

// "data: <json>\n\n" and "event: <name>\ndata: <json>\n\n".
std::string sse_data(std::string_view json);
std::string sse_event(std::string_view name, std::string_view json);

// A short description of an emulated error status, e.g. "Service Unavailable".
std::string_view status_reason(int status);

}  // namespace sy::emulator
