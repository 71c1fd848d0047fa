// Maps wire-format names to their adapters. One static instance per format.
#include "providers/adapter.h"
#include "providers/anthropic/adapter.h"
#include "providers/azure/adapter.h"
#include "providers/bedrock/adapter.h"
#include "providers/gemini/adapter.h"
#include "providers/openai/adapter.h"

namespace sy::providers {

const ProviderAdapter* adapter_for(std::string_view type) {
  static const openai::OpenAiAdapter kOpenAi;
  static const anthropic::AnthropicAdapter kAnthropic;
  static const gemini::GeminiAdapter kGemini;
  static const bedrock::BedrockAdapter kBedrock;
  static const azure::AzureAdapter kAzure;
  if (type == "openai") return &kOpenAi;
  if (type == "anthropic") return &kAnthropic;
  if (type == "gemini") return &kGemini;
  if (type == "bedrock") return &kBedrock;
  if (type == "azure") return &kAzure;
  return nullptr;
}

}  // namespace sy::providers
