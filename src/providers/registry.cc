// Maps wire-format names to their adapters. One static instance per format.
#include "providers/adapter.h"
#include "providers/openai/adapter.h"

namespace sy::providers {

const ProviderAdapter* adapter_for(std::string_view type) {
  static const openai::OpenAiAdapter kOpenAi;
  if (type == "openai") return &kOpenAi;
  return nullptr;
}

}  // namespace sy::providers
