// Records a finished request into its worker's shard: requests_total,
// latency / TTFT / upstream / overhead histograms, tokens and cost.
// Owner thread of the shard only (see registry.h).
#pragma once

#include "telemetry/registry.h"
#include "telemetry/request_summary.h"

namespace sy::telemetry {

void record_request(Shard& shard, const RequestSummary& r);

}  // namespace sy::telemetry
