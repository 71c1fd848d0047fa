// Waiting for capacity: when every deployment a request could use is at its
// rpm/tpm/max_parallel caps (plan status kWait), the request joins the
// primary group's bounded FIFO (routing::WaitQueue) and re-plans when it is
// at the head and capacity may have freed (an admission on the group ended,
// or the poll interval passed, for time-based caps), until the group's
// queue timeout. A new request that finds others already waiting joins
// behind them instead of taking freed capacity first.
//
// Leaves the last plan in `plan`: kWait still means the queue was full or the wait
// timed out (answer 429). Per request; runs on the worker's executor.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "routing/clock.h"
#include "routing/plan.h"
#include "routing/rng.h"
#include "routing/table.h"

namespace sy::server {

// Whether `plan` must wait: it is kWait, or ready while others wait ahead.
bool must_wait(const routing::RoutePlan& plan);

boost::asio::awaitable<void> wait_for_capacity(boost::asio::io_context& io,
                                                             const routing::RoutingTable& table,
                                                             const routing::RequestFacts& facts,
                                                             routing::RoutePlan& plan,
                                                             const routing::Clock& clock,
                                                             routing::Rng& rng);

}  // namespace sy::server
