// Per-worker pool of upstream connections, keyed by origin. Connects (with
// DNS cache, TCP, TLS with SNI and certificate verification) on a miss.
// Single-threaded: owned and used by one worker's io_context only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <unordered_map>
#include <atomic>
#include <map>
#include <mutex>
#include <vector>

#include "upstream/connection.h"
#include "upstream/url.h"
#include "util/send_coalescer.h"
#include "util/expected.h"

namespace sy::upstream {

struct PoolOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds idle_timeout{60'000};  // pooled connection max idle
  int max_idle_per_origin = 64;
  // A connection idle for less than this is reused without the liveness
  // peek (a system call per request at load). Upstreams close idle
  // connections after seconds, not milliseconds; one that did anyway is
  // caught by the exchange's stale-connection retry.
  std::chrono::milliseconds peek_after_idle{1'000};
};

enum class FailureKind { kConnect, kTls, kTimeout, kReset, kProtocol, kTooLarge, kCancelled };

struct Failure {
  FailureKind kind;
  std::string message;  // says what failed; no secrets
};

class Pool {
 public:
  // `coalescer` (optional): the worker's, for the exchanges' request writes.
  Pool(asio::any_io_executor ex, asio::ssl::context& tls, PoolOptions opts,
       util::SendCoalescer* coalescer = nullptr)
      : ex_(std::move(ex)), tls_(tls), opts_(opts), coalescer_(coalescer) {}

  util::SendCoalescer* coalescer() const { return coalescer_; }

  // A connection to `url`'s origin: an idle pooled one when available
  // (`reused` = true), else a new one. Fails by `deadline` at the latest.
  asio::awaitable<Expected<std::unique_ptr<Connection>, Failure>> acquire(
      const Url& url, SteadyClock::time_point deadline, bool allow_reuse, bool& reused);

  // Returns a connection whose last response was read completely and which
  // the server keeps alive.
  void release(const Url& url, std::unique_ptr<Connection> conn);

  std::size_t idle_count() const;
  uint64_t connects() const { return connects_; }

  // Per-origin figures for metrics. Unlike the rest of the pool, stats() may
  // be called from any thread (a /metrics scrape on another worker).
  struct OriginStats {
    std::string origin;  // "http://host:port"
    int64_t idle = 0;    // idle keep-alive connections now
    uint64_t connects = 0;  // connections opened so far
  };
  std::vector<OriginStats> stats() const;

 private:
  asio::awaitable<Expected<std::vector<asio::ip::tcp::endpoint>, Failure>> resolve(
      const Url& url, SteadyClock::time_point deadline);

  struct CachedAddress {
    std::vector<asio::ip::tcp::endpoint> endpoints;
    SteadyClock::time_point expires;
  };

  asio::any_io_executor ex_;
  asio::ssl::context& tls_;
  PoolOptions opts_;
  util::SendCoalescer* coalescer_;
  // Counters one origin's figures are published through: written by the
  // worker's thread (relaxed atomics), read by stats().
  struct Published {
    std::atomic<int64_t> idle{0};
    std::atomic<uint64_t> connects{0};
  };
  struct Origin {
    std::vector<std::unique_ptr<Connection>> idle;
    Published* published = nullptr;  // owned by published_
  };
  Origin& origin(const Url& url);

  std::unordered_map<std::string, Origin> idle_;
  std::string origin_key_;  // scratch for origin(); this pool's thread only
  mutable std::mutex published_mu_;  // guards published_'s shape (not the atomics)
  std::map<std::string, std::unique_ptr<Published>> published_;
  std::unordered_map<std::string, CachedAddress> dns_;
  uint64_t connects_ = 0;
};

}  // namespace sy::upstream
