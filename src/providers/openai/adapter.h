// OpenAI wire format (also vLLM, Ollama, llama.cpp, Groq, Mistral and every
// other OpenAI-compatible upstream). Pass-through: the client's body is
// forwarded with only `model` rewritten and, for streams, usage requested;
// responses are relayed as they are, with usage extracted on the way.
#pragma once

#include "providers/adapter.h"

namespace sy::providers::openai {

class OpenAiAdapter : public ProviderAdapter {
 public:
  // ProviderAdapter
  Expected<UpstreamRequest, api::ApiError> encode(const api::Request& req,
                                                  const Target& target) const override;
  Expected<DecodedResponse, UpstreamError> decode(const api::Request& req,
                                                  std::string body) const override;
  std::unique_ptr<StreamTranscoder> transcoder(const api::Request& req) const override;
  UpstreamError classify(int status, std::string_view body) const override;

 protected:
  // Headers common to OpenAI-style requests: content type, auth, extras.
  static void add_common_headers(UpstreamRequest& out, const ProviderSettings& p,
                                 std::string_view auth_header, std::string_view auth_prefix);
};

// Reads an OpenAI "usage" object into `out`; returns false if absent/null.
bool read_usage(simdjson::dom::element usage, api::Usage& out);

// Parses an OpenAI-format error body; falls back on the status code.
UpstreamError classify_openai_error(int status, std::string_view body, std::string_view provider_hint);

}  // namespace sy::providers::openai
