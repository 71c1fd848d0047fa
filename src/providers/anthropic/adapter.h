// The Anthropic Messages API adapter (wire format "anthropic").
//
// encode: POST {base_path}/messages with x-api-key, anthropic-version
// (settings.api_version, default 2023-06-01), content-type and the provider's
// extra headers; body from request.h. Only /chat/completions is served;
// other endpoints are 400 invalid_request_error. decode/transcoder/classify
// delegate to response.h, stream.h and errors.h.
//
// Immutable after construction; one instance serves all threads. The
// IdSource supplies the "created" clock (injectable for tests).
#pragma once

#include <memory>

#include "providers/adapter.h"
#include "providers/chat_output.h"

namespace sy::providers::anthropic {

inline constexpr std::string_view kDefaultApiVersion = "2023-06-01";

class AnthropicAdapter : public ProviderAdapter {
 public:
  explicit AnthropicAdapter(std::shared_ptr<const IdSource> ids = default_id_source())
      : ids_(std::move(ids)) {}

  // ProviderAdapter
  Expected<UpstreamRequest, api::ApiError> encode(const api::Request& req,
                                                  const Target& target) const override;
  Expected<DecodedResponse, UpstreamError> decode(const api::Request& req,
                                                  std::string body) const override;
  std::unique_ptr<StreamTranscoder> transcoder(const api::Request& req) const override;
  UpstreamError classify(int status, std::string_view body) const override;

 private:
  std::shared_ptr<const IdSource> ids_;
};

}  // namespace sy::providers::anthropic
