// One HTTP request/response with an upstream over a pooled connection.
//
// start() sends the request and reads the response head within the
// first-byte deadline; read_some()/read_all() then read the body within the
// stream-idle and total deadlines. finish() returns a fully read keep-alive
// connection to the pool; abort() (safe to call at any time, e.g. when the
// client went away) closes it so the upstream stops work. A stale pooled
// connection that fails before any response byte is retried once on a new
// connection. Single-threaded: lives on one worker's io_context.
#pragma once

#include <boost/beast/http.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "upstream/http_request.h"
#include "upstream/pool.h"

namespace sy::upstream {

struct Deadlines {
  std::chrono::milliseconds first_byte{60'000};
  std::chrono::milliseconds total{600'000};
  std::chrono::milliseconds stream_idle{120'000};
};

struct ResponseHead {
  int status = 0;
  std::string content_type;
  std::string retry_after;  // raw Retry-After header, if any
  // Wait hints beside Retry-After, read only for non-2xx answers (raw values,
  // empty if absent): retry-after-ms (OpenAI, Azure) and the rate-limit reset
  // of requests / tokens (x-ratelimit-reset-*, or Anthropic's
  // anthropic-ratelimit-*-reset).
  std::string retry_after_ms;
  std::string reset_requests;
  std::string reset_tokens;
  bool reused_connection = false;
};

// Spare capacity read_all() leaves past a body of known length, so a JSON
// parser that reads a little past the end (simdjson) needs no copy.
inline constexpr std::size_t kBodySlack = 64;

class Exchange {
 public:
  Exchange(Pool& pool, const Url& url, Deadlines d) : pool_(pool), url_(url), deadlines_(d) {}
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  asio::awaitable<Expected<ResponseHead, Failure>> start(const HttpRequest& req);
  // Next piece of the body; an empty view means the body is complete.
  asio::awaitable<Expected<std::string_view, Failure>> read_some();
  // The rest of the body; kTooLarge beyond `limit` bytes. With a known
  // Content-Length the string has kBodySlack bytes of spare capacity.
  asio::awaitable<Expected<std::string, Failure>> read_all(std::size_t limit);
  void finish();
  void abort();
  bool aborted() const { return aborted_; }

 private:
  asio::awaitable<Expected<ResponseHead, Failure>> attempt(const HttpRequest& req, bool allow_reuse,
                                                           bool& retry_stale);
  // The next piece of the body from bytes already received, never waiting:
  // a piece, an empty view once the body is complete, a failure, or nullopt
  // when only a read can give the next piece.
  std::optional<Expected<std::string_view, Failure>> piece_without_io();
  Failure io_failure(const beast::error_code& ec, std::string_view what) const;
  // io_failure(ec, what), after which the connection is closed and dropped.
  Failure drop_connection(const beast::error_code& ec, std::string_view what);

  Pool& pool_;
  const Url& url_;
  Deadlines deadlines_;
  SteadyClock::time_point total_deadline_{};
  std::unique_ptr<Connection> conn_;
  std::optional<beast::http::response_parser<beast::http::buffer_body>> parser_;
  // Not zero-filled (16 KiB per exchange): only bytes the parser wrote are read.
  std::array<char, 16384> buf_;
  bool aborted_ = false;
};

}  // namespace sy::upstream
