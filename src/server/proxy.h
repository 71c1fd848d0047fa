// Serves one API request from the configured upstreams. The pipeline:
// authenticate (virtual key) → parse and validate → check the key may use
// the model → find the model group (or a catalogued `provider/model`) →
// admit (rate limits, budget reservation) → for each deployment: encode in
// the provider's wire format, send, relay the answer (whole, or streamed
// event by event) → settle (actual cost, ledger row) on every exit path.
// A deployment that fails before the client received anything is skipped for
// the next one when the failure is retryable; after the first streamed byte,
// a failure ends the stream with an error event.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <string>

#include "api/request.h"
#include "policy/request.h"
#include "routing/plan.h"
#include "server/client_writer.h"
#include "server/response.h"

namespace sy::server {

class Worker;

struct Inbound {
  api::Endpoint endpoint = api::Endpoint::kChatCompletions;  // kMessages: Anthropic format
  std::string body;
  std::string authorization;  // Authorization header (or x-api-key as "Bearer …")
  std::string traceparent;    // W3C trace context from the client, if any
  std::string tracestate;
  policy::ConstraintHeaders route_headers;  // x-switchyard-max-cost-usd etc. (model "auto")
};

// What routing needs from a parsed request (model, `models` list, stream,
// prompt tokens, max tokens).
routing::RequestFacts request_facts(const api::Request& req, int64_t prompt_tokens);

// POST /v1/route/explain: the plan for a chat body, without sending it.
Response explain_route(Worker& worker, std::string body,
                       const policy::ConstraintHeaders& route_headers = {});

boost::asio::awaitable<void> proxy_request(Worker& worker, ClientWriter& out,
                                           boost::beast::tcp_stream& client, Inbound in);

}  // namespace sy::server
