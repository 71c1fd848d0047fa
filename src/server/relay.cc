#include "server/relay.h"

#include "server/prompt_tokens.h"

namespace sy::server {

namespace asio = boost::asio;
using providers::ErrorClass;
using providers::UpstreamError;

providers::UpstreamError transport_error(const upstream::Failure& f) {
  if (f.kind == upstream::FailureKind::kTimeout) {
    return {ErrorClass::kTimeout, api::gateway_timeout(f.message)};
  }
  if (f.kind == upstream::FailureKind::kTooLarge) {
    return {ErrorClass::kServerError, api::bad_gateway(f.message, "upstream_response_too_large")};
  }
  return {ErrorClass::kTransport, api::bad_gateway(f.message, "upstream_unreachable")};
}

namespace {

RelayResult client_gone(Settlement& settlement) {
  settlement.set_status(499);
  settlement.set_error_class("client_closed");
  return {RelayOutcome::kClientGone, std::nullopt, -1};
}

asio::awaitable<RelayResult> relay_whole(RelayContext& ctx, Leg& leg, std::string_view headers) {
  upstream::Exchange& ex = *leg.exchange;
  auto answer = co_await ex.read_all(ctx.max_response_bytes);
  const auto upstream_done = std::chrono::steady_clock::now();
  if (ctx.watch.disconnected()) co_return client_gone(ctx.settlement);
  if (!answer) co_return RelayResult{RelayOutcome::kRetryable, transport_error(answer.error()), -1};
  ex.finish();
  auto decoded = leg.adapter->decode(ctx.req, std::move(*answer));
  if (!decoded) co_return RelayResult{RelayOutcome::kRetryable, std::move(decoded.error()), -1};
  ctx.settlement.set_usage(decoded->usage);
  const int64_t tokens = decoded->usage.known ? decoded->usage.total() : -1;
  ctx.out.add_header_lines(headers);
  auto shaped = ctx.format.body(std::move(decoded->body));
  if (!shaped) {
    ctx.settlement.set_status(shaped.error().status);
    ctx.settlement.set_error_class("server_error");
    Response r = ctx.format.error(shaped.error());
    co_await ctx.out.send(r);
    co_return RelayResult{RelayOutcome::kAnswered, std::nullopt, tokens, upstream_done};
  }
  ctx.settlement.set_status(200);
  Response r{200, "application/json", std::move(*shaped), {}};
  co_await ctx.out.send(r);
  co_return RelayResult{RelayOutcome::kAnswered, std::nullopt, tokens, upstream_done};
}

asio::awaitable<RelayResult> relay_stream(RelayContext& ctx, Leg& leg, std::string_view headers) {
  upstream::Exchange& ex = *leg.exchange;
  auto tx = leg.adapter->transcoder(ctx.req);
  std::string openai_sse, chunk;
  bool began = false;
  int64_t events = 0;
  std::optional<UpstreamError> failure;
  auto upstream_done = std::chrono::steady_clock::now();
  auto record_partial_usage = [&] {
    api::Usage u = tx->usage();
    if (!u.known) {
      // The provider never reported usage (cut short): bill what was sent.
      u.known = true;
      u.prompt_tokens = prompt_tokens(ctx.req);
      u.completion_tokens = events;
    }
    ctx.settlement.set_usage(u);
  };
  auto fail_with = [&](api::ApiError e, ErrorClass cls) {
    if (!failure) failure = UpstreamError{cls, std::move(e)};
  };
  for (;;) {
    auto piece = co_await ex.read_some();
    upstream_done = std::chrono::steady_clock::now();
    if (ctx.watch.disconnected()) {
      record_partial_usage();
      co_return client_gone(ctx.settlement);
    }
    bool at_end = false;
    if (!piece) {
      UpstreamError ue = transport_error(piece.error());
      fail_with(std::move(ue.error), ue.cls);
    } else if (piece->empty()) {
      if (auto fin = tx->finish(openai_sse); !fin) fail_with(std::move(fin.error().error), fin.error().cls);
      at_end = true;
    } else if (auto fed = tx->feed(*piece, openai_sse); !fed) {
      fail_with(std::move(fed.error().error), fed.error().cls);
    }
    if (!openai_sse.empty()) {
      for (std::size_t p = openai_sse.find("\n\n"); p != std::string::npos;
           p = openai_sse.find("\n\n", p + 2)) {
        ++events;
      }
      auto shaped = ctx.format.stream(openai_sse, chunk);
      openai_sse.clear();
      if (!shaped) fail_with(std::move(shaped.error()), ErrorClass::kServerError);
    }
    if (at_end && !failure) {
      if (auto fin = ctx.format.finish(chunk); !fin) fail_with(std::move(fin.error()), ErrorClass::kServerError);
    }
    if (!chunk.empty() && !failure) {
      if (!began) {
        began = true;
        ctx.settlement.first_byte();
        ctx.out.add_header_lines(headers);
        if (!co_await ctx.out.begin_stream(200)) {
          ex.abort();
          record_partial_usage();
          co_return client_gone(ctx.settlement);
        }
      }
      if (!co_await ctx.out.write_chunk(chunk)) {
        ex.abort();  // the client went away: stop the upstream's work
        record_partial_usage();
        co_return client_gone(ctx.settlement);
      }
      chunk.clear();
    }
    if (failure || at_end) break;
  }
  if (!failure) {
    ex.finish();
    ctx.settlement.set_usage(tx->usage());
    ctx.settlement.set_status(200);
    if (!began) {
      ctx.out.add_header_lines(headers);
      co_await ctx.out.begin_stream(200);
    }
    co_await ctx.out.end_stream();
    co_return RelayResult{RelayOutcome::kAnswered, std::nullopt,
                          tx->usage().known ? tx->usage().total() : -1, upstream_done};
  }
  ex.abort();
  if (!began && !chunk.empty()) {
    // Nothing reached the client yet, but events were decoded: deliver them
    // with the error rather than dropping what the upstream said.
    ctx.out.add_header_lines(headers);
    began = co_await ctx.out.begin_stream(200);
  }
  if (!began) co_return RelayResult{RelayOutcome::kRetryable, std::move(failure), -1, upstream_done};
  record_partial_usage();
  ctx.settlement.set_status(200);
  ctx.settlement.set_error_class(providers::to_string(failure->cls));
  ctx.format.stream_error(failure->error, chunk);
  co_await ctx.out.write_chunk(chunk);
  co_await ctx.out.end_stream();
  ctx.out.set_keep_alive(false);  // close the connection after a broken stream
  co_return RelayResult{RelayOutcome::kBrokenStream, std::move(failure), -1, upstream_done};
}

}  // namespace

// Not a coroutine itself: hands back the one that relays, a frame and a
// resumption fewer per request.
asio::awaitable<RelayResult> relay_answer(RelayContext& ctx, Leg& leg, std::string_view headers) {
  return ctx.req.stream() ? relay_stream(ctx, leg, headers) : relay_whole(ctx, leg, headers);
}

}  // namespace sy::server
