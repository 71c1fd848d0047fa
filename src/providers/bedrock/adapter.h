// AWS Bedrock Runtime, Converse API. POST {base}/model/{modelId}/converse or
// /converse-stream (base https://bedrock-runtime.{region}.amazonaws.com),
// signed with SigV4 (service "bedrock") from ProviderSettings' access key,
// secret and optional session token; when no access key is configured but
// api_key is, the key is sent as a Bedrock API key (Authorization: Bearer).
// The signature covers host (ProviderSettings::base.host_header — the
// upstream client must send exactly that Host), content-type, x-amz-date and
// x-amz-security-token. Only /v1/chat/completions is served.
// Immutable after construction; thread-safe if the clock and IdSource are.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "providers/adapter.h"
#include "providers/chat_output.h"

namespace sy::providers::bedrock {

class BedrockAdapter : public ProviderAdapter {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  explicit BedrockAdapter(Clock clock = &std::chrono::system_clock::now,
                          std::shared_ptr<const IdSource> ids = default_id_source())
      : clock_(std::move(clock)), ids_(std::move(ids)) {}

  // ProviderAdapter
  Expected<UpstreamRequest, api::ApiError> encode(const api::Request& req,
                                                  const Target& target) const override;
  Expected<DecodedResponse, UpstreamError> decode(const api::Request& req,
                                                  std::string body) const override;
  std::unique_ptr<StreamTranscoder> transcoder(const api::Request& req) const override;
  UpstreamError classify(int status, std::string_view body) const override;

 private:
  Clock clock_;
  std::shared_ptr<const IdSource> ids_;
};

// The region of a bedrock-runtime host name ("bedrock-runtime.us-east-1.amazonaws.com"
// → "us-east-1"), or "" when the name has another shape.
std::string_view region_from_host(std::string_view host);

}  // namespace sy::providers::bedrock
