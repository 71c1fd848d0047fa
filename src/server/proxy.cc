#include "server/proxy.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "providers/adapter.h"
#include "server/disconnect_watch.h"
#include "server/server.h"
#include "server/worker.h"
#include "upstream/exchange.h"

namespace sy::server {

namespace asio = boost::asio;
using providers::ErrorClass;
using providers::UpstreamError;

namespace {

constexpr std::size_t kMaxErrorBody = 1 << 20;

UpstreamError transport_error(const upstream::Failure& f) {
  if (f.kind == upstream::FailureKind::kTimeout) {
    return {ErrorClass::kTimeout, api::gateway_timeout(f.message)};
  }
  if (f.kind == upstream::FailureKind::kTooLarge) {
    return {ErrorClass::kServerError, api::bad_gateway(f.message, "upstream_response_too_large")};
  }
  return {ErrorClass::kTransport, api::bad_gateway(f.message, "upstream_unreachable")};
}

// The SSE event that ends a broken stream: OpenAI clients raise it as an error.
std::string error_event(const api::ApiError& e) {
  std::string out = "data: ";
  out += api::error_body(e);
  out += "\n\n";
  return out;
}

upstream::Deadlines deadlines_from(const config::UpstreamOptions& o) {
  return {o.first_byte_timeout, o.total_timeout, o.stream_idle_timeout};
}

}  // namespace

asio::awaitable<void> proxy_request(Worker& worker, ClientWriter& out,
                                    boost::beast::tcp_stream& client, api::Endpoint endpoint,
                                    std::string body) {
  config::ConfigPtr cfg = worker.shared().config;
  auto parsed = api::parse_request(endpoint, std::move(body));
  if (!parsed) {
    Response r = error_response(parsed.error());
    co_await out.send(r);
    co_return;
  }
  const api::Request& req = *parsed;
  const config::ModelGroup* group = cfg->find_model(req.model());
  if (group == nullptr) {
    Response r = error_response(api::model_not_found(req.model()));
    co_await out.send(r);
    co_return;
  }

  // The exchange in flight, cancelled if the client hangs up; cleared when
  // each attempt's exchange goes out of scope.
  upstream::Exchange* in_flight = nullptr;
  DisconnectWatch watch(client.socket());
  watch.arm([&in_flight] {
    if (in_flight != nullptr) in_flight->abort();
  });
  std::optional<UpstreamError> last_error;
  std::string retry_after;

  for (std::size_t i = 0; i < group->deployments.size(); ++i) {
    const bool last_attempt = i + 1 == group->deployments.size();
    const config::Deployment& dep = group->deployments[i];
    const providers::ProviderSettings& ps = cfg->providers.at(dep.provider);
    const providers::ProviderAdapter* adapter = providers::adapter_for(ps.type);
    providers::Target target{&ps, dep.model, 0};
    auto encoded = adapter->encode(req, target);
    if (!encoded) {
      Response r = error_response(encoded.error());
      co_await out.send(r);
      co_return;
    }

    upstream::Exchange ex(worker.pool(), ps.base, deadlines_from(cfg->upstream));
    in_flight = &ex;
    struct ClearInFlight {
      upstream::Exchange*& p;
      ~ClearInFlight() { p = nullptr; }
    } clear_in_flight{in_flight};
    auto head = co_await ex.start(*encoded);
    if (watch.disconnected()) co_return;  // nobody to answer; upstream cancelled
    if (!head) {
      spdlog::debug("request {}: provider {} failed: {}", out.request_id(), ps.name,
                    head.error().message);
      last_error = transport_error(head.error());
      continue;
    }

    if (head->status < 200 || head->status >= 300) {
      auto err_body = co_await ex.read_all(kMaxErrorBody);
      ex.finish();
      UpstreamError ue = adapter->classify(head->status, err_body ? *err_body : std::string());
      retry_after = head->retry_after;
      last_error = std::move(ue);
      if (providers::retryable(last_error->cls) && !last_attempt) continue;
      break;
    }

    out.add_header("x-switchyard-provider", ps.name);
    out.add_header("x-switchyard-model", std::string(dep.model));

    if (!req.stream()) {
      auto answer = co_await ex.read_all(cfg->upstream.max_response_bytes);
      if (watch.disconnected()) co_return;
      if (!answer) {
        last_error = transport_error(answer.error());
        continue;
      }
      ex.finish();
      auto decoded = adapter->decode(req, *answer);
      if (!decoded) {
        last_error = std::move(decoded.error());
        continue;
      }
      Response r{200, "application/json", std::move(decoded->body), {}};
      co_await out.send(r);
      co_return;
    }

    // Streaming: relay event by event; fail over only before the first byte.
    auto tx = adapter->transcoder(req);
    std::string chunk;
    bool began = false;
    std::optional<UpstreamError> stream_error;
    for (;;) {
      auto piece = co_await ex.read_some();
      if (watch.disconnected()) co_return;
      if (!piece) {
        stream_error = transport_error(piece.error());
        break;
      }
      if (piece->empty()) {
        auto fin = tx->finish(chunk);
        if (!fin) stream_error = std::move(fin.error());
        break;
      }
      auto fed = tx->feed(*piece, chunk);
      if (!fed) {
        stream_error = std::move(fed.error());
        break;
      }
      if (!chunk.empty()) {
        if (!began) {
          began = true;
          if (!co_await out.begin_stream(200)) {
            ex.abort();
            co_return;
          }
        }
        if (!co_await out.write_chunk(chunk)) {
          ex.abort();  // the client went away: stop the upstream's work
          co_return;
        }
        chunk.clear();
      }
    }
    if (!stream_error) {
      ex.finish();
      if (!began) co_await out.begin_stream(200);
      if (!chunk.empty()) co_await out.write_chunk(chunk);
      co_await out.end_stream();
      co_return;
    }
    ex.abort();
    if (!began && !chunk.empty()) {
      // Nothing reached the client yet, but events were decoded: deliver them
      // with the error rather than dropping what the upstream said.
      began = co_await out.begin_stream(200);
    }
    if (began) {
      chunk += error_event(stream_error->error);
      co_await out.write_chunk(chunk);
      co_await out.end_stream();
      out.set_keep_alive(false);  // close the connection after a broken stream
      co_return;
    }
    last_error = std::move(stream_error);
  }

  UpstreamError final_error =
      last_error ? std::move(*last_error)
                 : UpstreamError{ErrorClass::kServerError, api::bad_gateway("No deployment could serve the request.")};
  Response r = error_response(final_error.error);
  if (!retry_after.empty() && (r.status == 429 || r.status == 503 || r.status == 529)) {
    r.headers.emplace_back("retry-after", retry_after);
  }
  co_await out.send(r);
}

}  // namespace sy::server
