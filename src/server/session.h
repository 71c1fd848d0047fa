// One client connection: read a request (with header, body and idle
// deadlines and size limits), dispatch it, write the answer, and loop while
// keep-alive. Runs on its worker's io_context.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace sy::server {

class Worker;

boost::asio::awaitable<void> run_session(Worker& worker, boost::asio::ip::tcp::socket socket);

}  // namespace sy::server
