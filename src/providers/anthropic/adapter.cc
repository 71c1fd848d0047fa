#include "providers/anthropic/adapter.h"

#include "providers/anthropic/errors.h"
#include "providers/anthropic/request.h"
#include "providers/anthropic/response.h"
#include "providers/anthropic/stream.h"

namespace sy::providers::anthropic {

Expected<UpstreamRequest, api::ApiError> AnthropicAdapter::encode(const api::Request& req,
                                                                  const Target& target) const {
  if (target.provider == nullptr) {
    return unexpected(api::internal_error("Anthropic target has no provider settings."));
  }
  const ProviderSettings& settings = *target.provider;
  auto body = encode_messages_body(req, target.model, target.default_max_tokens);
  if (!body) return unexpected(std::move(body).error());
  UpstreamRequest out;
  out.method = "POST";
  out.target = settings.base.base_path + "/messages";
  out.headers.emplace_back("x-api-key", settings.api_key);
  out.headers.emplace_back("anthropic-version", settings.api_version.empty()
                                                    ? std::string(kDefaultApiVersion)
                                                    : settings.api_version);
  out.headers.emplace_back("content-type", "application/json");
  if (req.stream()) out.headers.emplace_back("accept", "text/event-stream");
  for (const auto& h : settings.headers) out.headers.push_back(h);
  out.body = std::move(*body);
  return out;
}

Expected<DecodedResponse, UpstreamError> AnthropicAdapter::decode(const api::Request& req,
                                                                  std::string body) const {
  return decode_message(body, req.model(), ids_->now_seconds());
}

std::unique_ptr<StreamTranscoder> AnthropicAdapter::transcoder(const api::Request& req) const {
  return std::make_unique<AnthropicStreamTranscoder>(std::string(req.model()), ids_->now_seconds(),
                                                     req.include_usage());
}

UpstreamError AnthropicAdapter::classify(int status, std::string_view body) const {
  return classify_error(status, body);
}

}  // namespace sy::providers::anthropic
