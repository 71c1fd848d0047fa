// One client connection of the emulator: a linear coroutine that reads
// requests (HTTP/1.1 keep-alive), serves admin routes, applies the scenario's
// timing (latency, ttft, gap, hang, drop_after) and writes replies built by
// route_request(). While it waits it watches the socket, so a client that
// hangs up is noticed at once and its request is logged as cancelled.
// Runs on the socket's (strand) executor; EmulatorState is thread-safe.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>

#include "emulator/request_log.h"
#include "emulator/scenario.h"

namespace sy::emulator {

struct EmulatorState {
  RequestLog log;
  ScenarioCounters counters;
  std::atomic<uint64_t> next_conn{1};
};

inline constexpr std::size_t kMaxRequestBody = 16u << 20;  // 16 MiB
inline constexpr std::size_t kMaxRequestHeader = 64u << 10;

boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket,
                                              std::shared_ptr<EmulatorState> state);

}  // namespace sy::emulator
