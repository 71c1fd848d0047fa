// Azure OpenAI wire format: OpenAI's body and responses at
// {base}/openai/deployments/{deployment}/{chat/completions|completions|embeddings}
// ?api-version={ProviderSettings::api_version, default 2024-10-21}, with the
// key in the api-key header. The deployment is Target::model. Decoding,
// streaming and error classification are OpenAI's (Azure's content_filter
// errors → kContentPolicy). Stateless; thread-safe.
#pragma once

#include "providers/openai/adapter.h"

namespace sy::providers::azure {

inline constexpr std::string_view kDefaultApiVersion = "2024-10-21";

class AzureAdapter : public openai::OpenAiAdapter {
 public:
  // ProviderAdapter (decode and transcoder are OpenAiAdapter's)
  Expected<UpstreamRequest, api::ApiError> encode(const api::Request& req,
                                                  const Target& target) const override;
  UpstreamError classify(int status, std::string_view body) const override;
};

}  // namespace sy::providers::azure
