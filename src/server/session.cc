#include "server/session.h"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "api/request.h"
#include "governance/admin.h"
#include "governance/authenticate.h"
#include "server/client_writer.h"
#include "server/services.h"
#include "server/proxy.h"
#include "server/request_id.h"
#include "server/routes.h"
#include "server/server.h"
#include "server/worker.h"
#include "telemetry/exposition.h"
#include "util/lazy_deadline.h"
#include "util/parse_buffered.h"

namespace sy::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kToken = asio::as_tuple(asio::use_awaitable);

std::optional<api::Endpoint> api_endpoint(std::string_view path) {
  if (path == "/v1/chat/completions" || path == "/chat/completions") return api::Endpoint::kChatCompletions;
  if (path == "/v1/messages") return api::Endpoint::kMessages;
  if (path == "/v1/completions" || path == "/completions") return api::Endpoint::kCompletions;
  if (path == "/v1/embeddings" || path == "/embeddings") return api::Endpoint::kEmbeddings;
  return std::nullopt;
}

// The request headers the gateway reads, found in one walk over the fields:
// a lookup each would search Beast's field tree a dozen times per request.
// As with a lookup, the first of a repeated header counts. Views into the
// request, valid while it lives.
struct ReadHeaders {
  std::string_view authorization, x_api_key, traceparent, tracestate, request_id, expect;
  std::string_view max_cost, max_latency, privacy, tier;  // policy/request.h

  explicit ReadHeaders(const http::request<http::string_body>& req) {
    const std::pair<std::string_view, std::string_view*> by_name[] = {
        {"authorization", &authorization},   {"x-api-key", &x_api_key},
        {"traceparent", &traceparent},       {"tracestate", &tracestate},
        {"x-request-id", &request_id},       {"expect", &expect},
        {policy::kMaxCostHeader, &max_cost}, {policy::kMaxLatencyHeader, &max_latency},
        {policy::kPrivacyHeader, &privacy},  {policy::kTierHeader, &tier}};
    bool seen[std::size(by_name)] = {};
    for (const auto& f : req) {
      const std::string_view name = f.name_string();
      for (std::size_t i = 0; i < std::size(by_name); ++i) {
        if (name.size() != by_name[i].first.size() || !beast::iequals(name, by_name[i].first)) continue;
        if (!seen[i]) *by_name[i].second = f.value();
        seen[i] = true;
        break;
      }
    }
  }

  policy::ConstraintHeaders constraints() const {
    return {std::string(max_cost), std::string(max_latency), std::string(privacy),
            std::string(tier)};
  }
};

// Beast reads as much as the buffer has room for (at least 512 bytes, at
// most 64 KiB per read): with the body's length known, make room for it so a
// large prompt arrives in a few reads rather than hundreds of 512-byte ones.
constexpr std::size_t kMaxReadBytes = 64 * 1024;
void reserve_for_body(beast::flat_buffer& buffer, boost::optional<std::uint64_t> content_length) {
  if (!content_length) return;
  const std::uint64_t want = std::min<std::uint64_t>(*content_length, kMaxReadBytes);
  if (buffer.capacity() - buffer.size() < want) buffer.reserve(buffer.size() + want);
}

// An idle keep-alive connection keeps no large read buffer: memory per idle
// client stays small whatever its last request was.
constexpr std::size_t kIdleBufferBytes = 4096;
void release_large_buffer(beast::flat_buffer& buffer) {
  if (buffer.size() == 0 && buffer.capacity() > kIdleBufferBytes) buffer.shrink_to_fit();
}

// Counts a request as busy for the drain logic while it is handled.
struct BusyGuard {
  std::atomic<int>& n;
  explicit BusyGuard(std::atomic<int>& c) : n(c) { n.fetch_add(1, std::memory_order_relaxed); }
  ~BusyGuard() { n.fetch_sub(1, std::memory_order_relaxed); }
};

asio::awaitable<void> dispatch(Worker& worker, ClientWriter& out, beast::tcp_stream& stream,
                               http::request<http::string_body>& req, const ReadHeaders& headers) {
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  const auto method = req.method();
  SharedState& shared = worker.shared();

  if (auto ep = api_endpoint(path)) {
    if (method != http::verb::post) {
      Response r = method_not_allowed(req.method_string(), path);
      co_await out.send(r);
      co_return;
    }
    Inbound in{*ep, std::move(req.body()), std::string(headers.authorization),
               std::string(headers.traceparent), std::string(headers.tracestate),
               headers.constraints()};
    if (in.authorization.empty() && *ep == api::Endpoint::kMessages && !headers.x_api_key.empty()) {
      // Anthropic clients send their key as x-api-key.
      in.authorization = "Bearer " + std::string(headers.x_api_key);
    }
    co_await proxy_request(worker, out, stream, std::move(in));
    co_return;
  }
  Response r;
  if (path == "/v1/route/explain") {
    r = method != http::verb::post
            ? method_not_allowed(req.method_string(), path)
            : explain_route(worker, std::move(req.body()), headers.constraints());
    co_await out.send(r);
    co_return;
  }
  if (path.starts_with("/admin/") || path == "/admin") {
    Services* services = shared.services;
    if (services == nullptr || services->admin == nullptr) {
      r = unknown_route(req.method_string(), path);
    } else {
      governance::AdminRequest ar{std::string(req.method_string()), std::string(path),
                                  target.size() > path.size() ? std::string(target.substr(path.size() + 1)) : "",
                                  std::move(req.body()), std::string(headers.authorization)};
      governance::AdminResponse resp = services->admin_call(ar);
      if (method != http::verb::get && resp.status < 300) services->announce_key_change();
      r.status = resp.status;
      r.body = std::move(resp.body);
      for (auto& [k, v] : resp.headers) {
        if (beast::iequals(k, "content-type")) {
          r.content_type = v;
        } else {
          r.headers.emplace_back(k, v);
        }
      }
    }
    co_await out.send(r);
    co_return;
  }
  if (path == "/metrics") {
    r = method != http::verb::get
            ? method_not_allowed(req.method_string(), path)
            : Response{200, std::string(telemetry::kExpositionContentType),
                       telemetry::render(*shared.metrics), {}};
  } else if (path == "/health" || path == "/healthz") {
    r = health();
  } else if (path == "/ready" || path == "/readyz") {
    r = ready(shared.listening.load(), shared.draining.load());
  } else if (path == "/v1/models" || path == "/models") {
    if (method != http::verb::get) {
      r = method_not_allowed(req.method_string(), path);
    } else if (Services* services = shared.services;
               services != nullptr && services->keys_required(*shared.config)) {
      auto key = governance::authenticate(services->registry.snapshot(),
                                          headers.authorization, services->clock.now_ms());
      if (!key) {
        r = error_response(key.error());
      } else {
        r = list_models(*shared.config, shared.started_at, [&](std::string_view model) {
          return governance::model_allowed(**key, model);
        });
      }
    } else {
      r = list_models(*shared.config, shared.started_at);
    }
  } else {
    r = unknown_route(req.method_string(), path);
  }
  co_await out.send(r);
}

// Answers a request that could not be read, then the session closes.
asio::awaitable<void> reject(ClientWriter& out, api::ApiError e) {
  out.reset(new_request_id(), false);
  Response r = error_response(e);
  co_await out.send(r);
}

}  // namespace

asio::awaitable<void> run_session(Worker& worker, asio::ip::tcp::socket socket) {
  SharedState& shared = worker.shared();
  const config::ServerLimits& limits = shared.config->limits;
  beast::tcp_stream stream(std::move(socket));
  // Reads of the request: header/idle and body timeouts. On expiry the read
  // in progress is cancelled (operation_aborted) and deadline.expired() says why.
  util::LazyDeadline deadline(stream.get_executor(), [&stream] {
    beast::error_code ignored;
    stream.socket().cancel(ignored);
  });
  ClientWriter out(stream, limits.write_timeout, &worker.send_coalescer());
  beast::flat_buffer buffer;
  auto handle = worker.register_session(&stream);
  bool first = true;

  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    handle->idle = !first;
    if (worker.draining() && !first) break;
    deadline.arm_after(first ? limits.header_timeout : limits.idle_timeout);
    // Reads use the bare socket: their deadline is `deadline`, so Beast's
    // timer layer would only add cost per read.
    auto [ec, n] = co_await http::async_read_header(stream.socket(), buffer, parser, kToken);
    deadline.disarm();
    handle->idle = false;
    if (ec) {
      if (ec == http::error::body_limit) {
        // Content-Length above the limit, noticed while reading the header.
        co_await reject(out, api::payload_too_large(limits.max_body_bytes));
      } else if (ec == http::error::header_limit) {
        api::ApiError e{431, "invalid_request_error", "request_header_fields_too_large", "",
                        "Request headers are too large."};
        co_await reject(out, e);
      } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                 ec != http::error::end_of_stream && ec != http::error::partial_message) {
        api::ApiError e =
            api::invalid_request("The request is not valid HTTP/1.1.", "", "bad_http_request");
        co_await reject(out, e);
      }
      break;  // timeout, EOF, reset, or drained
    }
    first = false;
    BusyGuard busy(shared.sessions_busy);

    auto& req = parser.get();
    const ReadHeaders headers(req);
    std::string request_id(headers.request_id);
    const bool from_client = acceptable_request_id(request_id);
    if (!from_client) request_id = new_request_id();
    out.reset(std::move(request_id), req.keep_alive() && !worker.draining(), from_client);

    if (auto cl = parser.content_length(); cl && *cl > limits.max_body_bytes) {
      out.set_keep_alive(false);
      Response r = error_response(api::payload_too_large(limits.max_body_bytes));
      co_await out.send(r);
      break;
    }
    if (beast::iequals(headers.expect, "100-continue")) {
      stream.expires_after(limits.write_timeout);
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(kContinue), kToken);
      stream.expires_never();
      if (wec) break;
    }
    // Room for the JSON parser's padding from the start: parse_request()
    // then parses the body where it lies instead of copying it.
    if (auto cl = parser.content_length()) req.body().reserve(*cl + api::kBodyPadding);
    // A small body usually arrived with the header: parse it from the buffer
    // and read on only if the parser needs more.
    beast::error_code bec;
    util::parse_buffered(parser, buffer, bec);
    if (!bec && !parser.is_done()) {
      reserve_for_body(buffer, parser.content_length());
      deadline.arm_after(limits.body_timeout);
      auto [rec, rn] = co_await http::async_read(stream.socket(), buffer, parser, kToken);
      deadline.disarm();
      bec = rec;
    }
    if (bec) {
      Response r;
      if (bec == http::error::body_limit) {
        r = error_response(api::payload_too_large(limits.max_body_bytes));
      } else if (deadline.expired()) {
        r = error_response({408, "invalid_request_error", "request_timeout", "",
                            "The request body was not received in time."});
      }
      if (!r.body.empty()) {
        out.set_keep_alive(false);
        co_await out.send(r);
      }
      break;
    }

    co_await dispatch(worker, out, stream, req, headers);
    if (out.failed() || !out.keep_alive() || worker.draining()) break;
    release_large_buffer(buffer);
  }

  // Lingering close: stop sending, then read and discard briefly so a client
  // still sending (e.g. an oversized body) reads our answer instead of a reset.
  beast::error_code ec;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (!ec) {
    std::array<char, 4096> sink;
    std::size_t discarded = 0;
    stream.expires_after(std::chrono::milliseconds(500));
    while (discarded < (1u << 20)) {
      auto [rec, rn] = co_await stream.async_read_some(asio::buffer(sink), kToken);
      if (rec) break;
      discarded += rn;
    }
  }
  stream.close();
  worker.unregister_session(handle);
}

}  // namespace sy::server
