// Relays the answer of the leg that won to the client: a whole body decoded
// from the provider's format, or a stream transcoded event by event.
//
// Outcomes:
//   kAnswered       the client got the answer (usage recorded in settlement);
//   kRetryable      the leg failed before anything reached the client: the
//                   caller may try another deployment (`error` says why);
//   kBrokenStream   the upstream failed after the first streamed byte: the
//                   stream was ended with an error event (no failover);
//   kClientGone     the client hung up (the upstream request is aborted).
// `header_lines` (x-switchyard-provider, …, rendered as "name: value\r\n")
// are added to the response just before its first byte, so a failed leg
// leaves no trace in the answer.
// Per request; runs on the worker's executor.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "api/request.h"
#include "providers/adapter.h"
#include "server/client_format.h"
#include "server/client_writer.h"
#include "server/disconnect_watch.h"
#include "server/settlement.h"
#include "server/upstream_leg.h"

namespace sy::server {

struct RelayContext {
  ClientWriter& out;
  DisconnectWatch& watch;
  Settlement& settlement;
  ClientFormat& format;
  const api::Request& req;
  std::size_t max_response_bytes = 0;
};

enum class RelayOutcome { kAnswered, kRetryable, kBrokenStream, kClientGone };

struct RelayResult {
  RelayOutcome outcome = RelayOutcome::kAnswered;
  std::optional<providers::UpstreamError> error;  // kRetryable, kBrokenStream
  int64_t actual_tokens = -1;                     // prompt + completion when reported
  // When the upstream's last byte was read (or the relay ended).
  std::chrono::steady_clock::time_point upstream_done = std::chrono::steady_clock::now();
};

// `leg` has a 2xx head.
boost::asio::awaitable<RelayResult> relay_answer(RelayContext& ctx, Leg& leg,
                                                 std::string_view header_lines);

// The upstream failure for a transport-level failure of an exchange.
providers::UpstreamError transport_error(const upstream::Failure& f);

}  // namespace sy::server
