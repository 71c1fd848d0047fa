#include "emulator/session.h"

#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>

#include "emulator/json_writer.h"
#include "emulator/openai_api.h"
#include "emulator/reply.h"
#include "emulator/router.h"
#include "emulator/synth.h"

namespace sy::emulator {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace net::experimental::awaitable_operators;
constexpr auto kAwait = net::as_tuple(net::use_awaitable);

// True when the peer has closed (EOF or reset). Data waiting to be read
// (a pipelined request) does not count.
bool peer_closed(tcp::socket& socket) {
  char c;
  ssize_t n = ::recv(socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;
  if (n > 0) return false;
  return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

// Waits `ms` milliseconds unless the client hangs up first. Returns true when
// the client hung up.
net::awaitable<bool> wait_or_disconnect(tcp::socket& socket, std::chrono::milliseconds ms) {
  if (peer_closed(socket)) co_return true;
  net::steady_timer timer(socket.get_executor(), ms);
  auto first =
      co_await (timer.async_wait(kAwait) || socket.async_wait(tcp::socket::wait_read, kAwait));
  if (first.index() == 0) co_return false;
  if (std::get<1>(first) != std::tuple<beast::error_code>{} || peer_closed(socket)) co_return true;
  // Bytes of a pipelined request are waiting: the socket cannot be watched
  // without consuming them, so just sleep out the rest.
  co_await timer.async_wait(kAwait);
  co_return peer_closed(socket);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

template <class Body>
void set_common(http::response<Body>& res, const Reply& reply, bool keep_alive) {
  res.set(http::field::server, "switchyard-emulator");
  res.set(http::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) res.set(name, value);
  res.keep_alive(keep_alive);
}

net::awaitable<bool> write_whole(tcp::socket& socket, const Reply& reply, unsigned version,
                                 bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(reply.status), version};
  set_common(res, reply, keep_alive);
  res.body() = reply.body;
  res.prepare_payload();
  auto [ec, n] = co_await http::async_write(socket, res, kAwait);
  co_return !ec;
}

Reply admin_json(std::string body) {
  Reply r;
  r.body = std::move(body);
  return r;
}

// Handles one request. Returns whether the connection may serve another.
net::awaitable<bool> handle(tcp::socket& socket, http::request<http::string_body>& req,
                            uint64_t conn, EmulatorState& state) {
  const bool keep_alive = req.keep_alive();
  const unsigned version = req.version();
  std::string target(req.target());
  std::size_t qmark = target.find('?');
  Inbound in;
  in.method = std::string(req.method_string());
  in.path = target.substr(0, qmark);
  in.query = qmark == std::string::npos ? "" : target.substr(qmark + 1);
  const std::string raw_path = in.path;

  if (in.path.starts_with("/_emulator/")) {
    Reply r;
    if (in.path == "/_emulator/requests" && in.method == "GET") {
      r = admin_json(state.log.to_json());
    } else if (in.path == "/_emulator/reset" && in.method == "POST") {
      state.log.clear();
      state.counters.reset();
      r = admin_json(R"({"reset":true})");
    } else if (in.path == "/_emulator/health" && in.method == "GET") {
      r = admin_json(R"({"status":"ok"})");
    } else {
      r = openai_error(404, "Unknown emulator admin route", "invalid_request_error");
    }
    co_return co_await write_whole(socket, r, version, keep_alive) && keep_alive;
  }

  std::string scenario_text = take_path_scenario(in.path);
  std::string_view header_scenario = req["x-emulator-scenario"];
  if (!header_scenario.empty()) {
    if (!scenario_text.empty()) scenario_text += ',';
    scenario_text += header_scenario;
  }
  for (const auto& f : req) {
    std::string name = lower(f.name_string());
    auto it = std::find_if(in.headers.begin(), in.headers.end(),
                           [&](const auto& h) { return h.first == name; });
    if (it != in.headers.end()) {
      it->second += ", ";
      it->second += f.value();
    } else {
      in.headers.emplace_back(std::move(name), std::string(f.value()));
    }
  }
  in.body = std::move(req.body());

  RequestRecord record;
  record.conn = conn;
  record.method = in.method;
  record.path = raw_path;
  record.query = in.query;
  record.headers = in.headers;
  record.body = in.body;
  record.scenario = scenario_text;
  record.start_ms = unix_millis();
  uint64_t id = state.log.add(std::move(record));

  Scenario scenario;
  std::string scenario_error;
  if (!parse_scenario(scenario_text, scenario, scenario_error)) {
    Reply r = openai_error(400, "emulator: " + scenario_error, "emulator_scenario_error");
    state.log.set_status(id, 400);
    bool ok = co_await write_whole(socket, r, version, keep_alive);
    ok ? state.log.mark_completed(id) : state.log.mark_cancelled(id);
    co_return ok&& keep_alive;
  }
  bool faults = scenario.has_faults();
  if (faults && (scenario.times || scenario.every)) {
    const int64_t ordinal = state.counters.next(scenario.text);
    if (scenario.times && ordinal > *scenario.times) faults = false;
    if (scenario.every && ordinal % *scenario.every != 0) faults = false;
  }

  using std::chrono::milliseconds;
  if (scenario.latency_ms > 0 &&
      co_await wait_or_disconnect(socket, milliseconds(scenario.latency_ms))) {
    state.log.mark_cancelled(id);
    co_return false;
  }
  if (faults && scenario.hang) {
    while (!co_await wait_or_disconnect(socket, std::chrono::hours(1))) {
    }
    state.log.mark_cancelled(id);
    co_return false;
  }

  Reply reply = route_request(in, scenario, faults);
  state.log.set_status(id, reply.status);
  if (!reply.streaming) {
    if (faults && scenario.drop_after) {  // a non-stream "drop": no answer at all
      state.log.mark_completed(id);
      co_return false;
    }
    bool ok = co_await write_whole(socket, reply, version, keep_alive);
    ok ? state.log.mark_completed(id) : state.log.mark_cancelled(id);
    co_return ok&& keep_alive;
  }

  http::response<http::empty_body> res{static_cast<http::status>(reply.status), version};
  set_common(res, reply, keep_alive);
  res.set(http::field::cache_control, "no-cache");
  res.chunked(true);
  http::response_serializer<http::empty_body> serializer{res};
  if (auto [ec, n] = co_await http::async_write_header(socket, serializer, kAwait); ec) {
    state.log.mark_cancelled(id);
    co_return false;
  }
  for (std::size_t i = 0; i < reply.frames.size(); ++i) {
    int delay = i == 0 ? scenario.ttft_ms : scenario.gap_ms;
    if (delay > 0 && co_await wait_or_disconnect(socket, milliseconds(delay))) {
      state.log.mark_cancelled(id);
      co_return false;
    }
    if (faults && scenario.drop_after && i == static_cast<std::size_t>(*scenario.drop_after)) {
      state.log.mark_completed(id);
      co_return false;  // the caller closes the socket: no terminating chunk
    }
    auto [ec, n] =
        co_await net::async_write(socket, http::make_chunk(net::buffer(reply.frames[i])), kAwait);
    if (ec) {
      state.log.mark_cancelled(id);
      co_return false;
    }
  }
  if (faults && scenario.drop_after &&
      static_cast<std::size_t>(*scenario.drop_after) >= reply.frames.size()) {
    state.log.mark_completed(id);
    co_return false;
  }
  auto [ec, n] = co_await net::async_write(socket, http::make_chunk_last(), kAwait);
  if (ec) {
    state.log.mark_cancelled(id);
    co_return false;
  }
  state.log.mark_completed(id);
  co_return keep_alive;
}

}  // namespace

net::awaitable<void> serve_connection(tcp::socket socket, std::shared_ptr<EmulatorState> state) {
  const uint64_t conn = state->next_conn.fetch_add(1);
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kMaxRequestHeader);
    parser.body_limit(kMaxRequestBody);
    auto [ec, n] = co_await http::async_read(socket, buffer, parser, kAwait);
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      Reply r = openai_error(413, "Request body too large for the emulator (16 MiB limit).",
                             "invalid_request_error");
      co_await write_whole(socket, r, 11, false);
      break;
    }
    if (ec) break;
    auto req = parser.release();
    if (!co_await handle(socket, req, conn, *state)) break;
  }
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace sy::emulator
