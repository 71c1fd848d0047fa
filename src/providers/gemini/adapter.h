// Google Gemini (Generative Language API, v1beta) wire format.
// POST {base}/models/{model}:generateContent, or
// {base}/models/{model}:streamGenerateContent?alt=sse for streams, with the
// key in x-goog-api-key. Only /v1/chat/completions is served.
// Immutable after construction and thread-safe (the IdSource must be too).
#pragma once

#include <memory>

#include "providers/adapter.h"
#include "providers/chat_output.h"

namespace sy::providers::gemini {

class GeminiAdapter : public ProviderAdapter {
 public:
  explicit GeminiAdapter(std::shared_ptr<const IdSource> ids = default_id_source())
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

}  // namespace sy::providers::gemini
