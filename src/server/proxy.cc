#include "server/proxy.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <ctime>
#include <random>
#include <spdlog/spdlog.h>

#include "governance/authenticate.h"
#include "providers/adapter.h"
#include "providers/anthropic/inbound.h"
#include "server/client_format.h"
#include "server/disconnect_watch.h"
#include "server/prompt_tokens.h"
#include "server/quirks.h"
#include "server/request_id.h"
#include "server/server.h"
#include "server/services.h"
#include "server/settlement.h"
#include "server/worker.h"
#include "routing/plan.h"
#include "routing/retry.h"
#include "routing/run.h"
#include "telemetry/trace_context.h"
#include "upstream/exchange.h"

namespace sy::server {

namespace asio = boost::asio;
using providers::ErrorClass;
using providers::UpstreamError;

namespace {

constexpr std::size_t kMaxErrorBody = 1 << 20;
constexpr int64_t kDefaultMaxOutput = 4096;

UpstreamError transport_error(const upstream::Failure& f) {
  if (f.kind == upstream::FailureKind::kTimeout) {
    return {ErrorClass::kTimeout, api::gateway_timeout(f.message)};
  }
  if (f.kind == upstream::FailureKind::kTooLarge) {
    return {ErrorClass::kServerError, api::bad_gateway(f.message, "upstream_response_too_large")};
  }
  return {ErrorClass::kTransport, api::bad_gateway(f.message, "upstream_unreachable")};
}

upstream::Deadlines deadlines_from(const config::UpstreamOptions& o) {
  return {o.first_byte_timeout, o.total_timeout, o.stream_idle_timeout};
}

// The group for a requested model: configured, or `provider/model` direct
// addressing of a configured provider through the catalog (kept in `scratch`).
const config::ModelGroup* find_group(const config::Config& cfg, std::string_view model,
                                     config::ModelGroup& scratch) {
  if (const config::ModelGroup* g = cfg.find_model(model)) return g;
  auto slash = model.find('/');
  if (slash == std::string_view::npos) return nullptr;
  std::string provider(model.substr(0, slash));
  if (!cfg.providers.contains(provider)) return nullptr;
  auto resolved = catalog::Catalog::builtin().resolve(model);
  scratch.name = std::string(model);
  scratch.deployments.clear();
  if (resolved && resolved->provider->name == provider) {
    scratch.deployments.push_back({provider, resolved->upstream_id, resolved->model});
  } else {
    std::string upstream_model(model.substr(slash + 1));
    scratch.deployments.push_back({provider, upstream_model, catalog::Catalog::builtin().model(upstream_model)});
  }
  return &scratch;
}

// Reservation inputs: the highest price and largest output among the group's
// deployments, so failing over can never cost more than was reserved.
governance::AdmissionInput admission_input(const api::Request& req, const config::ModelGroup& g,
                                           int64_t prompt) {
  governance::AdmissionInput in;
  in.prompt_tokens = prompt;
  int64_t max_output = 0;
  for (const auto& d : g.deployments) {
    governance::Prices p = prices_of(d.price, d.info);
    in.prices.input = std::max(in.prices.input, p.input);
    in.prices.output = std::max(in.prices.output, p.output);
    in.prices.cached_input = std::max(in.prices.cached_input, p.cached_input);
    if (d.info != nullptr) max_output = std::max(max_output, d.info->max_output_tokens);
  }
  if (max_output <= 0) max_output = kDefaultMaxOutput;
  in.max_output_tokens = req.max_tokens() ? std::min(*req.max_tokens(), max_output) : max_output;
  if (req.endpoint() == api::Endpoint::kEmbeddings) in.max_output_tokens = 0;
  return in;
}

}  // namespace

routing::RequestFacts request_facts(const api::Request& req, int64_t prompt) {
  routing::RequestFacts facts;
  facts.model = std::string(req.model());
  simdjson::dom::array models;
  if (req.root()["models"].get_array().get(models) == simdjson::SUCCESS) {
    for (simdjson::dom::element m : models) {
      std::string_view name;
      if (m.get_string().get(name) == simdjson::SUCCESS) facts.models.emplace_back(name);
    }
  }
  facts.stream = req.stream();
  facts.prompt_tokens = prompt;
  facts.max_tokens = req.max_tokens();
  return facts;
}

asio::awaitable<void> proxy_request(Worker& worker, ClientWriter& out,
                                    boost::beast::tcp_stream& client, Inbound in) {
  config::ConfigPtr cfg = worker.shared().config;
  Services* services = worker.shared().services;
  SharedState& shared = worker.shared();
  // The ledger deduplicates on the row id, so a client's x-request-id (which
  // clients may reuse) gets a gateway suffix to stay unique per request.
  std::string ledger_id = out.request_id();
  if (out.request_id_from_client()) ledger_id += "~" + new_request_id().substr(0, 16);
  Settlement settlement(services, std::move(ledger_id), worker.io().get_executor(),
                        Observers{&worker.metrics(), shared.access_log.get(), &shared.access_format});
  const telemetry::TraceContext trace = telemetry::start_trace(in.traceparent, in.tracestate);
  settlement.set_trace_id(trace.trace_id_hex());
  std::unique_ptr<ClientFormat> format =
      in.endpoint == api::Endpoint::kMessages ? anthropic_format("") : openai_format();

  // Every early answer goes through here so the ledger sees its status.
  auto fail = [&](const api::ApiError& e, std::string_view error_class) -> Response {
    settlement.set_status(e.status);
    settlement.set_error_class(error_class);
    return format->error(e);
  };

  std::shared_ptr<const store::KeyRecord> key;
  if (services != nullptr && services->keys_required(*cfg)) {
    auto authed = governance::authenticate(services->registry.snapshot(), in.authorization,
                                           services->clock.now_ms());
    if (!authed) {
      Response r = fail(authed.error(), "auth");
      co_await out.send(r);
      co_return;
    }
    key = std::move(*authed);
    settlement.set_key(key->id);
  }

  api::Endpoint endpoint = in.endpoint;
  if (endpoint == api::Endpoint::kMessages) {
    auto translated = providers::anthropic::messages_to_openai_chat(in.body);
    if (!translated) {
      Response r = fail(translated.error(), "client_error");
      co_await out.send(r);
      co_return;
    }
    in.body = std::move(*translated);
    endpoint = api::Endpoint::kChatCompletions;
  }
  auto parsed = api::parse_request(endpoint, std::move(in.body));
  if (!parsed) {
    Response r = fail(parsed.error(), "client_error");
    co_await out.send(r);
    co_return;
  }
  const api::Request& req = *parsed;
  settlement.set_requested_model(req.model());
  settlement.set_stream(req.stream());
  if (in.endpoint == api::Endpoint::kMessages) format = anthropic_format(std::string(req.model()));

  if (key) {
    if (auto allowed = governance::check_model(*key, req.model()); !allowed) {
      Response r = fail(allowed.error(), "forbidden");
      co_await out.send(r);
      co_return;
    }
  }
  config::ModelGroup scratch;
  const config::ModelGroup* group = find_group(*cfg, req.model(), scratch);
  if (group == nullptr) {
    Response r = fail(api::model_not_found(req.model()), "not_found");
    co_await out.send(r);
    co_return;
  }

  // Routing: configured groups get a plan (strategy order, health, caps,
  // fallbacks); a directly addressed `provider/model` is tried as it is.
  const int64_t prompt = prompt_tokens(req);
  thread_local routing::Rng rng(std::random_device{}());
  const routing::Clock& clock = routing::steady_clock();
  std::optional<routing::RouteRun> run;
  if (shared.routing && shared.routing->group(group->name) != nullptr) {
    routing::RequestFacts facts = request_facts(req, prompt);
    auto plan = routing::make_plan(*shared.routing, facts, clock.now_ns(), rng);
    if (plan.status == routing::PlanStatus::kWait) {
      // Every deployment is at its cap: wait (bounded) for one to free up.
      const auto limit = std::chrono::steady_clock::now() + plan.primary->routing.queue.timeout;
      asio::steady_timer timer(worker.io());
      while (plan.status == routing::PlanStatus::kWait && std::chrono::steady_clock::now() < limit &&
             plan.primary->routing.queue.max_waiting > 0) {
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        plan = routing::make_plan(*shared.routing, facts, clock.now_ns(), rng);
      }
    }
    if (plan.status != routing::PlanStatus::kReady) {
      api::ApiError e;
      std::string cls = "unavailable";
      switch (plan.status) {
        case routing::PlanStatus::kUnknownModel:
          e = {404, "invalid_request_error", "model_not_found", "model", plan.message};
          cls = "not_found";
          break;
        case routing::PlanStatus::kNoFit:
          e = api::invalid_request(plan.message, "messages", "context_length_exceeded");
          cls = "context_length";
          break;
        case routing::PlanStatus::kWait:
          e = api::rate_limited(fmt::format("Every deployment of '{}' is at capacity; retry shortly.",
                                            group->name),
                                "deployments_at_capacity");
          break;
        default:
          e = api::service_unavailable(plan.message, "deployments_unavailable");
      }
      Response r = fail(e, cls);
      if (plan.retry_after) {
        auto secs = std::chrono::duration_cast<std::chrono::seconds>(*plan.retry_after).count() + 1;
        r.headers.emplace_back("retry-after", std::to_string(secs));
      } else if (plan.status == routing::PlanStatus::kWait) {
        r.headers.emplace_back("retry-after", "1");
      }
      co_await out.send(r);
      co_return;
    }
    run.emplace(*shared.routing, std::move(plan), clock, rng);
  }

  if (key) {
    governance::AdmissionInput input = admission_input(req, *group, prompt);
    auto ticket = co_await services->governor->admit(*key, input);
    if (!ticket) {
      Response r = fail(ticket.error().error, "rejected");
      for (const auto& h : ticket.error().headers) r.headers.push_back(h);
      co_await out.send(r);
      co_return;
    }
    for (const auto& [k, v] : ticket->headers) out.add_header(k, v);
    settlement.set_ticket(std::move(*ticket));
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

  std::optional<routing::Admission> admission;  // the routed attempt in flight
  std::size_t direct_next = 0;
  std::string previous_provider;
  const config::Deployment* previous_deployment = nullptr;
  std::string attempt_retry_after;
  bool failed_attempt = false;
  for (;;) {
    if (failed_attempt) {
      // The previous attempt failed before the client received anything.
      failed_attempt = false;
      if (run && admission) {
        auto hint = routing::wait_hint({attempt_retry_after, "", "", ""}, last_error->cls,
                                       static_cast<int64_t>(std::time(nullptr)));
        routing::RouteRun::AfterFailure d = run->failed(std::move(*admission), last_error->cls, hint);
        admission.reset();
        if (d.give_up) break;
        if (d.delay.count() > 0) {
          asio::steady_timer timer(worker.io(), d.delay);
          co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
          if (watch.disconnected()) {
            settlement.set_status(499);
            settlement.set_error_class("client_closed");
            co_return;
          }
        }
      } else if (!providers::retryable(last_error->cls)) {
        break;
      }
    }
    attempt_retry_after.clear();
    const config::Deployment* picked = nullptr;
    if (run) {
      admission = run->next();
      if (!admission) break;
      const config::ModelGroup* g = cfg->find_model(admission->group().name);
      picked = &g->deployments[admission->target().index];
    } else {
      if (direct_next >= group->deployments.size()) break;
      picked = &group->deployments[direct_next++];
    }
    const config::Deployment& dep = *picked;
    const providers::ProviderSettings& ps = cfg->providers.at(dep.provider);
    const providers::ProviderAdapter* adapter = providers::adapter_for(ps.type);
    providers::Target target{&ps, dep.model, dep.info ? dep.info->max_output_tokens : 0, nullptr};
    QuirkPlan quirk_plan;
    if (dep.info != nullptr && !dep.info->quirks.empty()) {
      auto planned = plan_quirks(req, dep.info->quirks,
                                 cfg->unsupported_params == config::Config::UnsupportedParams::kReject,
                                 dep.model);
      if (!planned) {
        Response r = fail(planned.error(), "client_error");
        co_await out.send(r);
        co_return;
      }
      quirk_plan = std::move(*planned);
      target.quirks = &quirk_plan.quirks;
    }
    auto encoded = adapter->encode(req, target);
    if (!encoded) {
      Response r = fail(encoded.error(), "client_error");
      co_await out.send(r);
      co_return;
    }
    encoded->headers.emplace_back("traceparent", trace.upstream_traceparent());
    if (!trace.tracestate.empty()) encoded->headers.emplace_back("tracestate", trace.tracestate);
    if (settlement.attempts() > 0) {
      // Another attempt after a retryable failure; a fallback when it goes
      // to a different deployment.
      const std::string& from = previous_provider;
      worker.metrics().add(telemetry::Counter::kRetries,
                           {req.model(), from, last_error ? providers::to_string(last_error->cls) : "unknown"});
      if (&dep != previous_deployment) {
        worker.metrics().add(telemetry::Counter::kFallbacks, {req.model(), from, dep.provider});
      }
    }
    previous_provider = dep.provider;
    previous_deployment = &dep;
    settlement.count_attempt();
    settlement.set_attempt(ps.name, dep.model, prices_of(dep.price, dep.info));

    upstream::Exchange ex(worker.pool(), ps.base, deadlines_from(cfg->upstream));
    in_flight = &ex;
    struct ClearInFlight {
      upstream::Exchange*& p;
      ~ClearInFlight() { p = nullptr; }
    } clear_in_flight{in_flight};

    // Upstream time of this attempt: until its last byte, or until it ends.
    struct UpstreamTimer {
      Settlement& settlement;
      std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
      bool running = true;
      void stop() {
        if (!running) return;
        running = false;
        settlement.add_upstream_time(std::chrono::steady_clock::now() - start);
      }
      ~UpstreamTimer() { stop(); }
    } upstream_timer{settlement};
    const auto attempt_start = upstream_timer.start;
    auto head = co_await ex.start(*encoded);
    if (watch.disconnected()) {
      settlement.set_status(499);
      settlement.set_error_class("client_closed");
      co_return;  // nobody to answer; the upstream request was cancelled
    }
    if (!head) {
      spdlog::debug("request {}: provider {} failed: {}", out.request_id(), ps.name,
                    head.error().message);
      last_error = transport_error(head.error());
      failed_attempt = true;
      continue;
    }
    const auto ttfb = std::chrono::steady_clock::now() - attempt_start;

    if (head->status < 200 || head->status >= 300) {
      auto err_body = co_await ex.read_all(kMaxErrorBody);
      ex.finish();
      last_error = adapter->classify(head->status, err_body ? *err_body : std::string());
      retry_after = head->retry_after;
      attempt_retry_after = head->retry_after;
      failed_attempt = true;
      continue;
    }

    out.add_header("x-switchyard-provider", ps.name);
    out.add_header("x-switchyard-model", std::string(dep.model));
    out.add_header("x-switchyard-attempts", std::to_string(settlement.attempts()));
    const std::string_view routed_reason =
        admission ? std::string_view(admission->attempt().reason) : std::string_view();
    if (routed_reason.starts_with("fallback:")) {
      out.add_header("x-switchyard-fallback-reason", std::string(routed_reason.substr(9)));
    } else if (settlement.attempts() > 1 && last_error) {
      out.add_header("x-switchyard-fallback-reason", std::string(providers::to_string(last_error->cls)));
    }
    if (!quirk_plan.dropped.empty()) {
      std::string list;
      for (const auto& p : quirk_plan.dropped) list += (list.empty() ? "" : ",") + p;
      out.add_header("x-switchyard-dropped-params", list);
    }

    if (!req.stream()) {
      auto answer = co_await ex.read_all(cfg->upstream.max_response_bytes);
      upstream_timer.stop();
      if (watch.disconnected()) {
        settlement.set_status(499);
        settlement.set_error_class("client_closed");
        co_return;
      }
      if (!answer) {
        last_error = transport_error(answer.error());
        failed_attempt = true;
        continue;
      }
      ex.finish();
      auto decoded = adapter->decode(req, *answer);
      if (!decoded) {
        last_error = std::move(decoded.error());
        failed_attempt = true;
        continue;
      }
      settlement.set_usage(decoded->usage);
      if (run && admission) {
        run->succeeded(std::move(*admission), ttfb,
                       decoded->usage.known ? decoded->usage.total() : -1);
        admission.reset();
      }
      auto shaped = format->body(std::move(decoded->body));
      if (!shaped) {
        Response r = fail(shaped.error(), "server_error");
        co_await out.send(r);
        co_return;
      }
      settlement.set_status(200);
      Response r{200, "application/json", std::move(*shaped), {}};
      co_await out.send(r);
      co_return;
    }

    // Streaming: relay event by event; fail over only before the first byte.
    auto tx = adapter->transcoder(req);
    std::string openai_sse, chunk;
    bool began = false;
    int64_t events = 0;
    std::optional<api::ApiError> stream_error;
    std::optional<ErrorClass> stream_error_class;
    auto record_partial_usage = [&] {
      api::Usage u = tx->usage();
      if (!u.known) {
        // The provider never reported usage (cut short): bill what was sent.
        u.known = true;
        u.prompt_tokens = prompt_tokens(req);
        u.completion_tokens = events;
      }
      settlement.set_usage(u);
    };
    for (;;) {
      auto piece = co_await ex.read_some();
      if (watch.disconnected()) {
        record_partial_usage();
        settlement.set_status(499);
        settlement.set_error_class("client_closed");
        co_return;
      }
      bool at_end = false;
      if (!piece) {
        UpstreamError ue = transport_error(piece.error());
        stream_error = std::move(ue.error);
        stream_error_class = ue.cls;
      } else if (piece->empty()) {
        auto fin = tx->finish(openai_sse);
        if (!fin) {
          stream_error = std::move(fin.error().error);
          stream_error_class = fin.error().cls;
        }
        at_end = true;
      } else if (auto fed = tx->feed(*piece, openai_sse); !fed) {
        stream_error = std::move(fed.error().error);
        stream_error_class = fed.error().cls;
      }
      if (!openai_sse.empty()) {
        for (std::size_t p = openai_sse.find("\n\n"); p != std::string::npos;
             p = openai_sse.find("\n\n", p + 2)) {
          ++events;
        }
        auto shaped = format->stream(openai_sse, chunk);
        openai_sse.clear();
        if (!shaped && !stream_error) {
          stream_error = std::move(shaped.error());
          stream_error_class = ErrorClass::kServerError;
        }
      }
      if (at_end && !stream_error) {
        if (auto fin = format->finish(chunk); !fin) {
          stream_error = std::move(fin.error());
          stream_error_class = ErrorClass::kServerError;
        }
      }
      if (!chunk.empty() && !stream_error) {
        if (!began) {
          began = true;
          settlement.first_byte();
          if (!co_await out.begin_stream(200)) {
            ex.abort();
            record_partial_usage();
            settlement.set_status(499);
            co_return;
          }
        }
        if (!co_await out.write_chunk(chunk)) {
          ex.abort();  // the client went away: stop the upstream's work
          record_partial_usage();
          settlement.set_status(499);
          settlement.set_error_class("client_closed");
          co_return;
        }
        chunk.clear();
      }
      if (stream_error || at_end) break;
    }
    upstream_timer.stop();
    if (!stream_error) {
      ex.finish();
      settlement.set_usage(tx->usage());
      if (run && admission) {
        run->succeeded(std::move(*admission), ttfb, tx->usage().known ? tx->usage().total() : -1);
        admission.reset();
      }
      settlement.set_status(200);
      if (!began) co_await out.begin_stream(200);
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
      if (run && admission) {
        // Health learns of the failure; no failover after the first byte.
        (void)run->failed(std::move(*admission), *stream_error_class, std::nullopt);
        admission.reset();
      }
      record_partial_usage();
      settlement.set_status(200);
      settlement.set_error_class(providers::to_string(*stream_error_class));
      format->stream_error(*stream_error, chunk);
      co_await out.write_chunk(chunk);
      co_await out.end_stream();
      out.set_keep_alive(false);  // close the connection after a broken stream
      co_return;
    }
    last_error = UpstreamError{*stream_error_class, std::move(*stream_error)};
    failed_attempt = true;
  }

  UpstreamError final_error =
      last_error ? std::move(*last_error)
                 : UpstreamError{ErrorClass::kServerError,
                                 api::bad_gateway("No deployment could serve the request.")};
  Response r = fail(final_error.error, providers::to_string(final_error.cls));
  if (!retry_after.empty() && (r.status == 429 || r.status == 503 || r.status == 529)) {
    r.headers.emplace_back("retry-after", retry_after);
  }
  co_await out.send(r);
}

}  // namespace sy::server

namespace sy::server {

Response explain_route(Worker& worker, std::string body) {
  SharedState& shared = worker.shared();
  auto parsed = api::parse_request(api::Endpoint::kChatCompletions, std::move(body));
  if (!parsed) return error_response(parsed.error());
  const api::Request& req = *parsed;
  if (!shared.routing || shared.config->find_model(req.model()) == nullptr) {
    return error_response(api::model_not_found(req.model()));
  }
  thread_local routing::Rng rng(std::random_device{}());
  const routing::Clock& clock = routing::steady_clock();
  auto plan = routing::make_plan(*shared.routing, request_facts(req, prompt_tokens(req)),
                                 clock.now_ns(), rng);
  return {200, "application/json", routing::explain_json(plan, clock.now_ns()), {}};
}

}  // namespace sy::server
