// Maps a provider request (method + path) to its wire-format handler and
// applies scenario-wide headers (Retry-After). Pure: no I/O, no timing.
// Admin routes (/_emulator/...) are served by the session, not here.
#pragma once

#include "emulator/reply.h"
#include "emulator/scenario.h"

namespace sy::emulator {

// `faults` is false once the scenario's `times` budget is spent.
Reply route_request(const Inbound& in, const Scenario& scenario, bool faults);

}  // namespace sy::emulator
