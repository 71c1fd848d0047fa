#include "upstream/exchange.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <fmt/format.h>

#include <array>

#include "upstream/request_head.h"
#include "util/parse_buffered.h"
#include "util/write_now.h"

namespace sy::upstream {

namespace http = beast::http;

namespace {
constexpr auto kToken = asio::as_tuple(asio::use_awaitable);

bool is_stale_error(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}
}  // namespace

Exchange::~Exchange() {
  if (conn_) conn_->close();
}

Failure Exchange::io_failure(const beast::error_code& ec, std::string_view what) const {
  if (ec == beast::error::timeout || (ec && conn_ && conn_->deadline().expired())) {
    return {FailureKind::kTimeout, fmt::format("upstream {} timed out while {}", url_.host, what)};
  }
  if (aborted_ || ec == asio::error::operation_aborted) {
    return {FailureKind::kCancelled, "the upstream request was cancelled"};
  }
  if (ec == http::error::body_limit) {
    return {FailureKind::kTooLarge, fmt::format("upstream {} response is too large", url_.host)};
  }
  if (ec.category() == http::make_error_code(http::error::end_of_stream).category()) {
    return {FailureKind::kProtocol,
            fmt::format("upstream {} sent an invalid HTTP response while {}: {}", url_.host, what,
                        ec.message())};
  }
  return {FailureKind::kReset,
          fmt::format("connection to upstream {} failed while {}: {}", url_.host, what, ec.message())};
}

Failure Exchange::drop_connection(const beast::error_code& ec, std::string_view what) {
  Failure f = io_failure(ec, what);
  conn_->close();
  conn_.reset();
  return f;
}

asio::awaitable<Expected<ResponseHead, Failure>> Exchange::start(const HttpRequest& req) {
  if (aborted_) co_return unexpected(Failure{FailureKind::kCancelled, "the upstream request was cancelled"});
  total_deadline_ = SteadyClock::now() + deadlines_.total;
  bool retry_stale = false;
  auto head = co_await attempt(req, true, retry_stale);
  if (!head && retry_stale && !aborted_) head = co_await attempt(req, false, retry_stale);
  co_return head;
}

asio::awaitable<Expected<ResponseHead, Failure>> Exchange::attempt(const HttpRequest& req,
                                                                   bool allow_reuse,
                                                                   bool& retry_stale) {
  retry_stale = false;
  auto first_byte_deadline = std::min(total_deadline_, SteadyClock::now() + deadlines_.first_byte);
  bool reused = false;
  auto conn = co_await pool_.acquire(url_, first_byte_deadline, allow_reuse, reused);
  if (!conn) co_return unexpected(std::move(conn.error()));
  if (aborted_) {
    (*conn)->close();
    co_return unexpected(Failure{FailureKind::kCancelled, "the upstream request was cancelled"});
  }
  conn_ = std::move(conn.value());

  beast::error_code wec;
  const std::optional<std::string> request_head = serialize_head(req, url_.host_header);
  if (request_head) {
    // Common path: head and body as two buffers, no copy of the body. Over
    // plain TCP the request usually fits in the send buffer at once.
    using Buffers = std::array<asio::const_buffer, 2>;
    Buffers bufs{asio::buffer(*request_head), asio::buffer(req.body)};
    std::size_t now = 0;
    if (!conn_->encrypted()) {
      util::SendCoalescer* coalescer = pool_.coalescer();
      if (coalescer != nullptr && coalescer->busy()) {
        auto [ec, n] = co_await coalescer->write(conn_->tcp().socket(), bufs, kToken);
        wec = ec;
        now = n;
      } else {
        now = util::write_now(conn_->tcp().socket(), bufs, wec);
      }
    }
    if (!wec && now < asio::buffer_size(bufs)) {
      beast::buffers_suffix<Buffers> rest(bufs);
      rest.consume(now);
      conn_->deadline().arm_at(first_byte_deadline);
      auto [ec, n] =
          co_await conn_->visit([&](auto& s) { return asio::async_write(s, rest, kToken); });
      wec = ec;
    }
  } else {
    conn_->deadline().arm_at(first_byte_deadline);
    http::request<http::string_body> msg;
    msg.method_string(req.method);
    msg.target(req.target);
    msg.version(11);
    msg.set(http::field::host, url_.host_header);
    msg.set(http::field::user_agent, "switchyard");
    for (const auto& [k, v] : req.headers) msg.insert(k, v);
    msg.body() = req.body;
    msg.prepare_payload();
    auto [ec, n] =
        co_await conn_->visit([&](auto& s) { return http::async_write(s, msg, kToken); });
    wec = ec;
  }
  if (wec) {
    retry_stale = reused && is_stale_error(wec);
    co_return unexpected(drop_connection(wec, "sending the request"));
  }
  ++conn_->requests;

  parser_.emplace();
  parser_->body_limit(boost::none);
  parser_->header_limit(64 * 1024);
  conn_->deadline().arm_at(first_byte_deadline);
  auto [rec, rn] = co_await conn_->visit(
      [&](auto& s) { return http::async_read_header(s, conn_->buffer(), *parser_, kToken); });
  if (rec) {
    retry_stale = reused && is_stale_error(rec);
    co_return unexpected(drop_connection(rec, "waiting for the response"));
  }
  conn_->deadline().disarm();
  const auto& h = parser_->get();
  ResponseHead head;
  head.status = static_cast<int>(h.result_int());
  head.content_type = std::string(h[http::field::content_type]);
  head.retry_after = std::string(h[http::field::retry_after]);
  if (head.status < 200 || head.status >= 300) {
    auto first_of = [&h](std::string_view a, std::string_view b = {}) {
      auto it = h.find(a);
      if (it == h.end() && !b.empty()) it = h.find(b);
      return it == h.end() ? std::string() : std::string(it->value());
    };
    head.retry_after_ms = first_of("retry-after-ms");
    head.reset_requests = first_of("x-ratelimit-reset-requests", "anthropic-ratelimit-requests-reset");
    head.reset_tokens = first_of("x-ratelimit-reset-tokens", "anthropic-ratelimit-tokens-reset");
  }
  head.reused_connection = reused;
  co_return head;
}

std::optional<Expected<std::string_view, Failure>> Exchange::piece_without_io() {
  if (!conn_ || !parser_) return unexpected(Failure{FailureKind::kCancelled, "no exchange"});
  if (parser_->is_done()) return std::string_view{};
  auto& body = parser_->get().body();
  body.data = buf_.data();
  body.size = buf_.size();
  if (conn_->buffer().size() == 0) return std::nullopt;
  // Bytes that came with the head (often the whole body): parsed here,
  // without a round through the event loop.
  beast::error_code pec;
  util::parse_buffered(*parser_, conn_->buffer(), pec);
  if (pec && pec != http::error::need_buffer) {
    return unexpected(drop_connection(pec, "reading the response"));
  }
  const std::size_t got = buf_.size() - parser_->get().body().size;
  if (got > 0) return std::string_view(buf_.data(), got);
  if (parser_->is_done()) return std::string_view{};
  return std::nullopt;
}

asio::awaitable<Expected<std::string_view, Failure>> Exchange::read_some() {
  for (;;) {
    if (auto piece = piece_without_io()) co_return std::move(*piece);
    // The parser needs bytes; its body buffer is set (piece_without_io).
    conn_->deadline().arm_at(std::min(total_deadline_, SteadyClock::now() + deadlines_.stream_idle));
    auto [ec, n] = co_await conn_->visit(
        [&](auto& s) { return http::async_read_some(s, conn_->buffer(), *parser_, kToken); });
    if (ec == http::error::need_buffer) ec = {};
    if (!ec) conn_->deadline().disarm();
    if (ec) {
      co_return unexpected(drop_connection(ec, "reading the response"));
    }
    std::size_t got = buf_.size() - parser_->get().body().size;
    if (got > 0) co_return std::string_view(buf_.data(), got);
  }
}

asio::awaitable<Expected<std::string, Failure>> Exchange::read_all(std::size_t limit) {
  std::string out;
  if (parser_) {
    if (auto length = parser_->content_length(); length && *length <= limit) {
      out.reserve(static_cast<std::size_t>(*length) + kBodySlack);
    }
  }
  for (;;) {
    // Usually the whole body came with the head: no coroutine call for it.
    std::optional<Expected<std::string_view, Failure>> ready = piece_without_io();
    Expected<std::string_view, Failure> piece = ready ? std::move(*ready) : co_await read_some();
    if (!piece) co_return unexpected(std::move(piece.error()));
    if (piece->empty()) co_return out;
    if (out.size() + piece->size() > limit) {
      abort();
      co_return unexpected(Failure{FailureKind::kTooLarge,
                                   fmt::format("upstream {} response exceeds {} bytes", url_.host, limit)});
    }
    out.append(*piece);
  }
}

void Exchange::finish() {
  if (conn_ && parser_ && parser_->is_done() && parser_->keep_alive() && !aborted_) {
    pool_.release(url_, std::move(conn_));
  } else if (conn_) {
    conn_->close();
    conn_.reset();
  }
}

void Exchange::abort() {
  aborted_ = true;
  if (conn_) conn_->close();
}

}  // namespace sy::upstream
