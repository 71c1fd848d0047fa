#include <gtest/gtest.h>

#include "tokenize/tokenizer.h"

namespace sy::tokenize {
namespace {

TEST(EncodingForModelTest, O200kFamilies) {
  for (const char* model :
       {"gpt-4o", "gpt-4o-mini", "gpt-4o-2024-08-06", "chatgpt-4o-latest", "gpt-4.1",
        "gpt-4.1-nano", "gpt-4.5-preview", "gpt-5", "o1", "o1-mini", "o3", "o3-mini", "o4-mini",
        "ft:gpt-4o-mini:org::abc", "openai/gpt-4o"}) {
    EXPECT_EQ(encoding_for_model(model), Encoding::kO200kBase) << model;
  }
}

TEST(EncodingForModelTest, Cl100kFamilies) {
  for (const char* model : {"gpt-4", "gpt-4-0613", "gpt-4-turbo", "gpt-4-32k", "gpt-3.5-turbo",
                            "gpt-3.5-turbo-0125", "gpt-35-turbo", "text-embedding-3-small",
                            "text-embedding-3-large", "text-embedding-ada-002",
                            "ft:gpt-3.5-turbo:org::abc", "openai/gpt-4", "azure/gpt-35-turbo"}) {
    EXPECT_EQ(encoding_for_model(model), Encoding::kCl100kBase) << model;
  }
}

TEST(EncodingForModelTest, UnknownModelsDefaultToO200k) {
  for (const char* model :
       {"", "claude-3-5-sonnet", "gemini-1.5-pro", "llama-3.1-70b", "gpt-4x", "mistral-large"}) {
    EXPECT_EQ(encoding_for_model(model), Encoding::kO200kBase) << model;
  }
}

TEST(EstimateTest, UsesTheModelsEncoding) {
  const std::string_view text = "Count me: 12345 tokens, maybe.";
  EXPECT_EQ(estimate("gpt-4", text), tokenizer(Encoding::kCl100kBase).count(text));
  EXPECT_EQ(estimate("gpt-4o", text), tokenizer(Encoding::kO200kBase).count(text));
  EXPECT_EQ(estimate("claude-3-haiku", text), tokenizer(Encoding::kO200kBase).count(text));
}

}  // namespace
}  // namespace sy::tokenize
