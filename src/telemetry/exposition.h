// Prometheus text exposition format 0.0.4 of a Registry: HELP and TYPE lines
// for every family, escaped label values, histograms as cumulative
// _bucket{le=...} series ending with le="+Inf", then _sum and _count.
// Output order is deterministic: families in declaration order, series by
// label values. Serve it with content type kExpositionContentType.
// Thread-safe (takes the registry's snapshot; see registry.h).
#pragma once

#include <string>
#include <string_view>

#include "telemetry/registry.h"

namespace sy::telemetry {

inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

std::string render(const Registry& registry);

// Pieces, exposed for tests.
std::string format_value(double v);  // shortest round-trip, +Inf/-Inf/NaN
void append_label_value(std::string& out,
                        std::string_view v);                // escapes \ " \n; bad UTF-8 → U+FFFD
void append_help(std::string& out, std::string_view help);  // escapes \ and \n

}  // namespace sy::telemetry
