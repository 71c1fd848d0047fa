// encoding_for_model (declared in tokenizer.h), after tiktoken's model table: only the
// cl100k_base families are listed; everything else, including every newer OpenAI family
// (gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1, o3, o4, gpt-oss) and unknown models, is o200k_base.
#include <array>

#include "tokenize/tokenizer.h"

namespace sy::tokenize {
namespace {

bool starts_with_family(std::string_view model, std::string_view family) {
  if (!model.starts_with(family)) return false;
  // "gpt-4" is a family of "gpt-4-turbo" and "gpt-4-0613" but not of "gpt-4o" or "gpt-4.1".
  return model.size() == family.size() || model[family.size()] == '-' ||
         model[family.size()] == ':' || model[family.size()] == '@';
}

constexpr std::array<std::string_view, 8> kCl100kFamilies = {
    "gpt-4",
    "gpt-3.5",
    "gpt-35-turbo",  // Azure's spelling
    "text-embedding-3-small",
    "text-embedding-3-large",
    "text-embedding-ada-002",
    "davinci-002",
    "babbage-002",
};

}  // namespace

Encoding encoding_for_model(std::string_view model) {
  if (const size_t slash = model.rfind('/'); slash != std::string_view::npos) {
    model.remove_prefix(slash + 1);  // "openai/gpt-4", "azure/gpt-35-turbo"
  }
  if (model.starts_with("ft:")) model.remove_prefix(3);  // "ft:gpt-3.5-turbo:org::id"
  for (std::string_view family : kCl100kFamilies) {
    if (starts_with_family(model, family)) return Encoding::kCl100kBase;
  }
  return Encoding::kO200kBase;
}

}  // namespace sy::tokenize
