#include "providers/openai/adapter.h"

#include <cstdint>

#include "api/rewrite.h"
#include "providers/openai/stream.h"
#include "upstream/exchange.h"

namespace sy::providers::openai {

void OpenAiAdapter::add_common_headers(UpstreamRequest& out, const ProviderSettings& p,
                                       std::string_view auth_header,
                                       std::string_view auth_prefix) {
  // Room for these, the configured extras and the trace headers added later
  // (server/upstream_leg.cc): the vector is allocated once.
  out.headers.reserve(p.headers.size() + 4);
  out.headers.emplace_back("content-type", "application/json");
  if (!p.api_key.empty()) {
    std::string value(auth_prefix);
    value += p.api_key;
    out.headers.emplace_back(std::string(auth_header), std::move(value));
  }
  for (const auto& h : p.headers) out.headers.push_back(h);
}

Expected<UpstreamRequest, api::ApiError> OpenAiAdapter::encode(const api::Request& req,
                                                               const Target& target) const {
  if (req.endpoint() == api::Endpoint::kMessages) {
    return unexpected(api::invalid_request("The OpenAI format cannot serve /v1/messages directly."));
  }
  UpstreamRequest out;
  out.target = target.provider->base.base_path;
  out.target += api::endpoint_path(req.endpoint());
  add_common_headers(out, *target.provider, "authorization", "Bearer ");
  const bool wants_usage = req.stream() && req.endpoint() != api::Endpoint::kEmbeddings;
  api::RewriteOptions opts{target.model, wants_usage, {}, {}, false};
  if (target.quirks != nullptr) {
    opts.renames = target.quirks->renames;
    opts.drops = target.quirks->drops;
    opts.fold_system = target.quirks->fold_system;
  }
  out.body = api::rewrite_body(req, opts);
  return out;
}

bool read_usage(simdjson::dom::element usage, api::Usage& out) {
  if (!usage.is_object()) return false;
  auto num = [](simdjson::dom::element obj, std::string_view key) -> int64_t {
    simdjson::dom::element v;
    if (obj[key].get(v) != simdjson::SUCCESS) return 0;
    if (v.is_int64()) return v.get_int64().value_unsafe();
    if (v.is_uint64()) return INT64_MAX;  // above INT64_MAX, since is_int64() failed
    if (v.is_double()) {
      // Clamp before converting: an out-of-range double → int64_t is undefined.
      double d = v.get_double().value_unsafe();
      if (!(d > 0)) return 0;
      if (d >= 0x1p63) return INT64_MAX;
      return static_cast<int64_t>(d);
    }
    return 0;
  };
  out.known = true;
  out.prompt_tokens = num(usage, "prompt_tokens");
  out.completion_tokens = num(usage, "completion_tokens");
  simdjson::dom::element details;
  if (usage["prompt_tokens_details"].get(details) == simdjson::SUCCESS && details.is_object()) {
    out.cached_tokens = num(details, "cached_tokens");
  }
  if (usage["completion_tokens_details"].get(details) == simdjson::SUCCESS && details.is_object()) {
    out.reasoning_tokens = num(details, "reasoning_tokens");
  }
  return true;
}

Expected<DecodedResponse, UpstreamError> OpenAiAdapter::decode(const api::Request&,
                                                               std::string body) const {
  DecodedResponse out;
  out.body = std::move(body);
  // Parsed in place: Exchange::read_all() leaves the padding simdjson reads
  // past the end, so this reserve() normally keeps the buffer.
  static_assert(upstream::kBodySlack >= simdjson::SIMDJSON_PADDING);
  const std::size_t len = out.body.size();
  out.body.reserve(len + simdjson::SIMDJSON_PADDING);
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(out.body.data(), len, false).get(root) != simdjson::SUCCESS ||
      !root.is_object()) {
    return unexpected(UpstreamError{ErrorClass::kServerError,
                                    api::bad_gateway("The upstream returned a malformed JSON body.",
                                                     "upstream_malformed_response")});
  }
  simdjson::dom::element usage;
  if (root["usage"].get(usage) == simdjson::SUCCESS) read_usage(usage, out.usage);
  return out;
}

std::unique_ptr<StreamTranscoder> OpenAiAdapter::transcoder(const api::Request& req) const {
  return std::make_unique<OpenAiStreamRelay>(req.include_usage());
}

UpstreamError OpenAiAdapter::classify(int status, std::string_view body) const {
  return classify_openai_error(status, body, "upstream");
}

UpstreamError classify_openai_error(int status, std::string_view body, std::string_view) {
  UpstreamError out;
  api::ApiError& e = out.error;
  e.status = status;
  e.type = status >= 500 ? "server_error" : "invalid_request_error";
  e.message = "The upstream provider returned HTTP " + std::to_string(status) + ".";

  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root, err;
  if (parser.parse(body.data(), body.size()).get(root) == simdjson::SUCCESS &&
      root["error"].get(err) == simdjson::SUCCESS) {
    std::string_view s;
    if (err.is_string()) {
      e.message.assign(err.get_string().value_unsafe());
    } else if (err.is_object()) {
      if (err["message"].get_string().get(s) == simdjson::SUCCESS) e.message.assign(s);
      if (err["type"].get_string().get(s) == simdjson::SUCCESS) e.type.assign(s);
      if (err["param"].get_string().get(s) == simdjson::SUCCESS) e.param.assign(s);
      if (err["code"].get_string().get(s) == simdjson::SUCCESS) e.code.assign(s);
    }
  }
  auto mentions = [&](std::string_view needle) {
    return e.code.find(needle) != std::string::npos || e.message.find(needle) != std::string::npos;
  };
  if (status == 401 || status == 403) {
    out.cls = ErrorClass::kAuth;
  } else if (status == 408) {
    out.cls = ErrorClass::kTimeout;
  } else if (status == 429) {
    out.cls = ErrorClass::kRateLimited;
  } else if (status == 503 || status == 529) {
    out.cls = ErrorClass::kOverloaded;
  } else if (status >= 500) {
    out.cls = ErrorClass::kServerError;
  } else if (mentions("context_length_exceeded") || mentions("maximum context length")) {
    out.cls = ErrorClass::kContextLength;
  } else if (mentions("content_filter") || mentions("content_policy")) {
    out.cls = ErrorClass::kContentPolicy;
  } else {
    out.cls = ErrorClass::kClientError;
  }
  return out;
}

}  // namespace sy::providers::openai
