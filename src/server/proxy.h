// Serves one OpenAI-API request from the configured upstreams: parse and
// validate, pick the model's deployments, encode for each provider's wire
// format, send, and relay the answer (whole, or streamed event by event).
// A deployment that fails before the client received anything is skipped
// for the next one when the failure is retryable; after the first streamed
// byte, a failure ends the stream with an error event.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <string>

#include "api/request.h"
#include "server/client_writer.h"

namespace sy::server {

class Worker;

boost::asio::awaitable<void> proxy_request(Worker& worker, ClientWriter& out,
                                           boost::beast::tcp_stream& client,
                                           api::Endpoint endpoint, std::string body);

}  // namespace sy::server
