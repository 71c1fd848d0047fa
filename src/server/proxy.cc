#include "server/proxy.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <charconv>
#include <ctime>
#include <random>
#include <spdlog/spdlog.h>

#include "governance/authenticate.h"
#include "providers/adapter.h"
#include "providers/anthropic/inbound.h"
#include "server/auto_route.h"
#include "server/client_format.h"
#include "server/disconnect_watch.h"
#include "server/prompt_tokens.h"
#include "server/quirks.h"
#include "server/relay.h"
#include "server/route_wait.h"
#include "server/upstream_leg.h"
#include "server/request_id.h"
#include "server/server.h"
#include "server/services.h"
#include "server/settlement.h"
#include "server/worker.h"
#include "routing/hedge.h"
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

upstream::Deadlines deadlines_from(const config::UpstreamOptions& o) {
  return {o.first_byte_timeout, o.total_timeout, o.stream_idle_timeout};
}

// The x-switchyard-* headers of an answer from `winner`, rendered as
// "name: value\r\n" lines.
std::string route_headers(const Leg& winner, int attempts, bool hedged,
                          const std::optional<UpstreamError>& last_error) {
  std::string h;
  h.reserve(160);
  auto add = [&h](std::string_view name, std::string_view value) {
    h += name;
    h += ": ";
    h += value;
    h += "\r\n";
  };
  add("x-switchyard-provider", winner.provider->name);
  add("x-switchyard-model", winner.deployment->model);
  char digits[16];
  add("x-switchyard-attempts",
      std::string_view(digits, std::to_chars(digits, digits + sizeof digits, attempts).ptr));
  if (hedged) add("x-switchyard-hedged", "true");
  const std::string_view reason =
      winner.admission ? std::string_view(winner.admission->attempt().reason) : std::string_view();
  if (reason.starts_with("fallback:")) {
    add("x-switchyard-fallback-reason", reason.substr(9));
  } else if (attempts > 1 && last_error) {
    add("x-switchyard-fallback-reason", providers::to_string(last_error->cls));
  }
  if (!winner.quirks.dropped.empty()) {
    std::string list;
    for (const auto& p : winner.quirks.dropped) list += (list.empty() ? "" : ",") + p;
    add("x-switchyard-dropped-params", list);
  }
  return h;
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
// A group that hedges may pay for the prompt twice (the cancelled leg's
// provider processed it too), so its reservation covers that.
governance::AdmissionInput admission_input(const api::Request& req, const config::ModelGroup& g,
                                           int64_t prompt, bool hedges) {
  governance::AdmissionInput in;
  in.prompt_tokens = hedges ? 2 * prompt : prompt;
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
  const util::SendCoalescer::InFlight in_flight(&worker.requests_in_flight());
  config::ConfigPtr cfg = worker.shared().config;
  Services* services = worker.shared().services;
  SharedState& shared = worker.shared();
  // The ledger deduplicates on the row id, so a client's x-request-id (which
  // clients may reuse) gets a gateway suffix to stay unique per request.
  std::string ledger_id = out.request_id();
  if (out.request_id_from_client()) ledger_id += "~" + new_request_id();
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
  auto decided =
      auto_route(req, in.route_headers, *cfg, shared.policies.get(), shared.routing.get());
  if (!decided) {
    Response r = fail(decided.error(), decided.error().status == 404 ? "not_found" : "client_error");
    co_await out.send(r);
    co_return;
  }
  const std::optional<AutoRoute>& auto_routed = *decided;
  if (auto_routed) {
    for (auto& [k, v] : auto_route_headers(*auto_routed)) out.add_header(k, v);
  }
  config::ModelGroup scratch;
  const config::ModelGroup* group =
      find_group(*cfg, auto_routed ? auto_routed->decision.model : req.model(), scratch);
  if (group == nullptr) {
    Response r = fail(api::model_not_found(req.model()), "not_found");
    co_await out.send(r);
    co_return;
  }

  // Routing: configured groups get a plan (strategy order, health, caps,
  // fallbacks); a directly addressed `provider/model` is tried as it is.
  thread_local routing::Rng rng(std::random_device{}());
  const routing::Clock& clock = routing::steady_clock();
  std::optional<routing::RouteRun> run;
  // The table this request routes with, even if a reload replaces it meanwhile.
  const std::shared_ptr<const routing::RoutingTable> table = shared.routing;
  // Exact when a budget reservation needs it; a routing plan alone may use
  // the cheap upper bound (see prompt_tokens.h). Rare paths that bill an
  // estimate (a cut stream, a hedge loser) count exactly themselves.
  const int64_t prompt = key || !table ? prompt_tokens(req) : routing_prompt_tokens(req, *table);
  if (table && table->group(group->name) != nullptr) {
    routing::RequestFacts facts = request_facts(req, prompt);
    if (auto_routed) apply_auto_route(*auto_routed, facts);
    auto plan = routing::make_plan(*table, facts, clock.now_ns(), rng);
    if (must_wait(plan)) {
      // Every deployment is at its cap (or others wait ahead): queue, bounded.
      co_await wait_for_capacity(worker.io(), *table, facts, plan, clock, rng);
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
    run.emplace(*table, std::move(plan), clock, rng);
  }

  if (key) {
    const routing::GroupRuntime* routed = table ? table->group(group->name) : nullptr;
    const bool hedges = routed != nullptr && routing::HedgePolicy(routed->routing.hedge).enabled();
    const config::ModelGroup reserved =
        auto_routed ? reservation_group(*auto_routed, *cfg) : config::ModelGroup{};
    governance::AdmissionInput input =
        admission_input(req, auto_routed ? reserved : *group, prompt, hedges);
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

  // Every leg in flight is aborted if the client hangs up.
  LegRace* racing = nullptr;
  DisconnectWatch watch(client.socket(), worker.disconnect_watches());
  watch.arm([&racing] {
    if (racing != nullptr) racing->abort_others(nullptr);
  });
  RelayContext relay{out, watch, settlement, *format, req, cfg->upstream.max_response_bytes};
  const upstream::Deadlines deadlines = deadlines_from(cfg->upstream);
  std::optional<UpstreamError> last_error;
  std::string retry_after;  // of the last failed answer, passed on with the final error
  std::size_t direct_next = 0;
  std::string previous_provider;
  const config::Deployment* previous_deployment = nullptr;

  // Counts a send and records it as a retry after a failure; a fallback when
  // it goes to a different deployment.
  auto note_send = [&](const Leg& leg) {
    if (settlement.attempts() > 0 && last_error) {
      worker.metrics().add(telemetry::Counter::kRetries,
                           {req.model(), previous_provider, providers::to_string(last_error->cls)});
      if (leg.deployment != previous_deployment) {
        worker.metrics().add(telemetry::Counter::kFallbacks,
                             {req.model(), previous_provider, leg.provider->name});
      }
    }
    previous_provider = leg.provider->name;
    previous_deployment = leg.deployment;
    settlement.count_attempt();
    settlement.set_attempt(leg.provider->name, leg.deployment->model,
                           prices_of(leg.deployment->price, leg.deployment->info));
  };
  // Tells routing how a leg failed; for direct addressing, only whether to go on.
  auto report_failure = [&](Leg& leg, const UpstreamError& e,
                            const routing::RetryHints& hints) -> routing::RouteRun::AfterFailure {
    if (run && leg.admission) {
      auto hint = routing::wait_hint(hints, e.cls, static_cast<int64_t>(std::time(nullptr)));
      auto after = run->failed(std::move(*leg.admission), e.cls, hint);
      leg.admission.reset();
      return after;
    }
    return {!providers::retryable(e.cls), routing::Nanos(0)};
  };
  auto client_gone = [&] {
    settlement.set_status(499);
    settlement.set_error_class("client_closed");
  };

  for (;;) {
    // The next deployment: routed (strategy, health, caps) or direct.
    std::optional<routing::Admission> admission;
    const config::Deployment* dep = nullptr;
    if (run) {
      admission = run->next();
      if (!admission) break;
      dep = &cfg->find_model(admission->group().name)->deployments[admission->target().index];
    } else {
      if (direct_next >= group->deployments.size()) break;
      dep = &group->deployments[direct_next++];
    }
    auto prepared = prepare_leg(cfg, *dep, req, trace);
    if (!prepared) {
      Response r = fail(prepared.error(), "client_error");
      co_await out.send(r);
      co_return;
    }
    std::shared_ptr<Leg> first = std::move(*prepared);
    first->admission = std::move(admission);
    note_send(*first);

    LegRace race(worker.io().get_executor());
    racing = &race;
    struct ClearRacing {
      LegRace*& p;
      ~ClearRacing() { p = nullptr; }
    } clear_racing{racing};
    // Hedging: no head from the first leg in time → a second leg on another
    // deployment; the first good head wins. Without hedging the first leg is
    // the only one: it runs in this coroutine (next_head() then returns it).
    std::optional<std::chrono::nanoseconds> hedge_delay;
    if (run && first->admission) {
      routing::HedgePolicy hedge(first->admission->group().routing.hedge);
      if (auto delay = hedge.hedge_delay(first->admission->target(), req.stream())) {
        hedge_delay = std::chrono::duration_cast<std::chrono::nanoseconds>(*delay);
      }
    }
    auto hedge_at = std::chrono::steady_clock::time_point::max();
    if (hedge_delay) {
      race.launch(first, worker.pool(), deadlines);
      hedge_at = first->started + *hedge_delay;
    } else {
      co_await race.run_alone(first, worker.pool(), deadlines);
    }
    std::shared_ptr<Leg> winner;
    routing::RouteRun::AfterFailure after{true, routing::Nanos(0)};
    for (;;) {
      const auto until = hedge_at;
      std::shared_ptr<Leg> done = co_await race.next_head(until);
      if (watch.disconnected()) {
        client_gone();
        co_return;  // nobody to answer; the upstream requests were aborted
      }
      if (!done) {
        hedge_at = std::chrono::steady_clock::time_point::max();
        if (!race.any_pending() || !first->admission) continue;
        std::optional<routing::Admission> second = run->next_other_than(*first->admission);
        if (!second) continue;
        const config::Deployment& d2 =
            cfg->find_model(second->group().name)->deployments[second->target().index];
        auto hedge_leg = prepare_leg(cfg, d2, req, trace);
        if (!hedge_leg) {
          run->cancelled(std::move(*second));
          continue;
        }
        (*hedge_leg)->admission = std::move(second);
        worker.metrics().add(telemetry::Counter::kHedges, {req.model(), (*hedge_leg)->provider->name});
        settlement.count_attempt();
        race.launch(std::move(*hedge_leg), worker.pool(), deadlines);
        continue;
      }
      const auto& head = *done->head;
      if (head && head->status >= 200 && head->status < 300) {
        winner = std::move(done);
        break;
      }
      // This leg failed before answering.
      settlement.add_upstream_time(done->ttfb);
      routing::RetryHints hints;
      if (!head) {
        spdlog::debug("request {}: provider {} failed: {}", out.request_id(), done->provider->name,
                      head.error().message);
        last_error = transport_error(head.error());
      } else {
        auto err_body = co_await done->exchange->read_all(kMaxErrorBody);
        done->exchange->finish();
        last_error = done->adapter->classify(head->status, err_body ? *err_body : std::string());
        retry_after = head->retry_after;
        hints = {head->retry_after, head->retry_after_ms, head->reset_requests, head->reset_tokens};
      }
      after = report_failure(*done, *last_error, hints);
      if (!providers::retryable(last_error->cls)) {
        after.give_up = true;
        break;
      }
      if (!race.any_pending()) break;  // else a hedge may still answer
    }

    // Losers: abort, tell routing, and account what they may have cost
    // (the prompt, which the provider processed).
    race.abort_others(winner.get());
    for (const auto& leg : race.legs()) {
      if (leg == winner || !leg->admission) continue;
      run->cancelled(std::move(*leg->admission));
      leg->admission.reset();
      if (winner) {
        governance::Prices p = prices_of(leg->deployment->price, leg->deployment->info);
        api::Usage processed;
        processed.known = true;
        processed.prompt_tokens = prompt_tokens(req);
        settlement.add_extra_cost(governance::cost_micros(p, processed));
      }
    }

    if (winner) {
      settlement.set_attempt(winner->provider->name, winner->deployment->model,
                             prices_of(winner->deployment->price, winner->deployment->info));
      const std::string headers =
          route_headers(*winner, settlement.attempts(), race.legs().size() > 1, last_error);
      RelayResult result = co_await relay_answer(relay, *winner, headers);
      settlement.add_upstream_time(result.upstream_done - winner->started);
      switch (result.outcome) {
        case RelayOutcome::kAnswered:
          if (run && winner->admission) {
            run->succeeded(std::move(*winner->admission), winner->ttfb, result.actual_tokens);
          }
          co_return;
        case RelayOutcome::kClientGone:
          if (run && winner->admission) run->cancelled(std::move(*winner->admission));
          co_return;
        case RelayOutcome::kBrokenStream:
          // Health learns of the failure; no failover after the first byte.
          if (run && winner->admission) {
            (void)run->failed(std::move(*winner->admission), result.error->cls, std::nullopt);
          }
          co_return;
        case RelayOutcome::kRetryable:
          last_error = std::move(result.error);
          after = report_failure(*winner, *last_error, {});
          break;
      }
    }
    if (after.give_up) break;
    if (after.delay.count() > 0) {
      asio::steady_timer timer(worker.io(), after.delay);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (watch.disconnected()) {
        client_gone();
        co_return;
      }
    }
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

Response explain_route(Worker& worker, std::string body,
                       const policy::ConstraintHeaders& route_headers) {
  SharedState& shared = worker.shared();
  auto parsed = api::parse_request(api::Endpoint::kChatCompletions, std::move(body));
  if (!parsed) return error_response(parsed.error());
  const api::Request& req = *parsed;
  if (auto answer = explain_auto_route(shared, req, route_headers)) return std::move(*answer);
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
