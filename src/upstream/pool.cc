#include "upstream/pool.h"

#include <charconv>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>

namespace sy::upstream {

namespace {
constexpr auto kToken = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kDnsTtl{30};
}  // namespace

asio::awaitable<Expected<std::vector<asio::ip::tcp::endpoint>, Failure>> Pool::resolve(
    const Url& url, SteadyClock::time_point deadline) {
  boost::system::error_code ec;
  auto literal = asio::ip::make_address(url.host, ec);
  if (!ec) co_return std::vector<asio::ip::tcp::endpoint>{{literal, url.port}};

  std::string key = url.host + ":" + std::to_string(url.port);
  auto now = SteadyClock::now();
  if (auto it = dns_.find(key); it != dns_.end() && it->second.expires > now) {
    co_return it->second.endpoints;
  }
  using namespace asio::experimental::awaitable_operators;
  asio::ip::tcp::resolver resolver(ex_);
  asio::steady_timer timer(ex_, deadline);
  auto result = co_await (resolver.async_resolve(url.host, std::to_string(url.port), kToken) ||
                          timer.async_wait(kToken));
  if (result.index() == 1) {
    co_return unexpected(Failure{FailureKind::kTimeout,
                                 fmt::format("resolving {} timed out", url.host)});
  }
  auto [rerr, results] = std::get<0>(std::move(result));
  if (rerr || results.empty()) {
    co_return unexpected(Failure{FailureKind::kConnect,
                                 fmt::format("cannot resolve {}: {}", url.host, rerr.message())});
  }
  std::vector<asio::ip::tcp::endpoint> eps;
  for (const auto& r : results) eps.push_back(r.endpoint());
  dns_[key] = {eps, now + kDnsTtl};
  co_return eps;
}

Pool::Origin& Pool::origin(const Url& url) {
  // The same text as url.origin(), built in a reused buffer: this runs per request.
  std::string& key = origin_key_;
  key.assign(url.tls ? "https://" : "http://");
  key += url.host;
  key.push_back(':');
  char port[8];
  auto [end, ec] = std::to_chars(port, port + sizeof port, url.port);
  key.append(port, end);
  auto it = idle_.find(key);
  if (it != idle_.end()) return it->second;
  Origin& o = idle_[key];
  std::lock_guard lock(published_mu_);
  auto& p = published_[key];
  if (!p) p = std::make_unique<Published>();
  o.published = p.get();
  return o;
}

std::vector<Pool::OriginStats> Pool::stats() const {
  std::vector<OriginStats> out;
  std::lock_guard lock(published_mu_);
  for (const auto& [origin, p] : published_) {
    out.push_back({origin, p->idle.load(std::memory_order_relaxed),
                   p->connects.load(std::memory_order_relaxed)});
  }
  return out;
}

asio::awaitable<Expected<std::unique_ptr<Connection>, Failure>> Pool::acquire(
    const Url& url, SteadyClock::time_point deadline, bool allow_reuse, bool& reused) {
  reused = false;
  Origin& o = origin(url);
  if (allow_reuse) {
    {
      auto& list = o.idle;
      auto now = SteadyClock::now();
      while (!list.empty()) {
        std::unique_ptr<Connection> c = std::move(list.back());
        list.pop_back();
        o.published->idle.fetch_sub(1, std::memory_order_relaxed);
        const auto idle = now - c->idle_since;
        if (idle < opts_.idle_timeout && c->reusable(idle >= opts_.peek_after_idle)) {
          reused = true;
          co_return c;
        }
        c->close();
      }
    }
  }

  auto connect_deadline = std::min(deadline, SteadyClock::now() + opts_.connect_timeout);
  auto endpoints = co_await resolve(url, connect_deadline);
  if (!endpoints) co_return unexpected(std::move(endpoints.error()));

  auto tcp = std::make_unique<beast::tcp_stream>(ex_);
  tcp->expires_at(connect_deadline);
  auto [ec, ep] = co_await tcp->async_connect(*endpoints, kToken);
  if (ec) {
    bool timeout = ec == beast::error::timeout;
    co_return unexpected(Failure{timeout ? FailureKind::kTimeout : FailureKind::kConnect,
                                 fmt::format("cannot connect to {}:{}: {}", url.host, url.port,
                                             timeout ? "timed out" : ec.message())});
  }
  // The connect deadline ends here: the exchange's reads and writes run under
  // the connection's own deadline (Connection::deadline()).
  tcp->expires_never();
  tcp->socket().set_option(asio::ip::tcp::no_delay(true));
  ++connects_;
  o.published->connects.fetch_add(1, std::memory_order_relaxed);
  if (!url.tls) co_return std::make_unique<Connection>(std::move(tcp));

  auto tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*tcp), tls_);
  if (!SSL_set_tlsext_host_name(tls->native_handle(), url.host.c_str())) {
    co_return unexpected(Failure{FailureKind::kTls, "cannot set TLS server name"});
  }
  tls->set_verify_mode(asio::ssl::verify_peer);
  tls->set_verify_callback(asio::ssl::host_name_verification(url.host));
  beast::get_lowest_layer(*tls).expires_at(connect_deadline);
  auto [hec] = co_await tls->async_handshake(asio::ssl::stream_base::client, kToken);
  if (hec) {
    bool timeout = hec == beast::error::timeout;
    co_return unexpected(Failure{timeout ? FailureKind::kTimeout : FailureKind::kTls,
                                 fmt::format("TLS handshake with {} failed: {}", url.host,
                                             timeout ? "timed out" : hec.message())});
  }
  beast::get_lowest_layer(*tls).expires_never();
  co_return std::make_unique<Connection>(std::move(tls));
}

void Pool::release(const Url& url, std::unique_ptr<Connection> conn) {
  Origin& o = origin(url);
  if (static_cast<int>(o.idle.size()) >= opts_.max_idle_per_origin) {
    conn->close();
    return;
  }
  conn->idle_since = SteadyClock::now();
  conn->tcp().expires_never();
  o.idle.push_back(std::move(conn));
  o.published->idle.fetch_add(1, std::memory_order_relaxed);
}

std::size_t Pool::idle_count() const {
  std::size_t n = 0;
  for (const auto& [k, v] : idle_) n += v.idle.size();
  return n;
}

}  // namespace sy::upstream
