#include "classifier/features.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <string>

namespace sy::classifier {
namespace {

constexpr uint32_t kBits = 16;

FeatureVector of_json(const std::string& json) {
  static simdjson::dom::parser parser;
  simdjson::dom::object obj = parser.parse(json).get_object().value();
  return features(obj, kBits);
}

TEST(Features, SparseIsSortedMergedAndBounded) {
  const FeatureVector x = features("the cat sat on the mat. the cat!", {}, kBits);
  ASSERT_FALSE(x.sparse.empty());
  for (std::size_t i = 1; i < x.sparse.size(); ++i) {
    EXPECT_LT(x.sparse[i - 1].index, x.sparse[i].index);
  }
  for (const auto& f : x.sparse) {
    EXPECT_LT(f.index, 1u << kBits);
    EXPECT_GT(f.value, 0.0f);
  }
}

TEST(Features, DenseStructure) {
  const std::string text =
      "Solve $x^2 = 4$. What is x? And why?\n```python\ndef f(a):\n    return a;\n```";
  RequestShape shape;
  shape.messages = 3;
  shape.tools = 2;
  shape.images = 1;
  const FeatureVector x = features(text, shape, kBits);
  EXPECT_FLOAT_EQ(x.dense[kLogChars], std::log1p(static_cast<float>(text.size())));
  EXPECT_FLOAT_EQ(x.dense[kLogQuestions], std::log1p(2.0f));
  EXPECT_FLOAT_EQ(x.dense[kLogMessages], std::log1p(3.0f));
  EXPECT_EQ(x.dense[kToolsPresent], 1.0f);
  EXPECT_FLOAT_EQ(x.dense[kLogTools], std::log1p(2.0f));
  EXPECT_EQ(x.dense[kImagesPresent], 1.0f);
  EXPECT_GT(x.dense[kCodeScore], 1.0f);
  EXPECT_GT(x.dense[kMathScore], 1.0f);
  EXPECT_GT(x.dense[kDigitRatio], 0.0f);
  EXPECT_FLOAT_EQ(x.dense[kLogLines], std::log1p(5.0f));

  const FeatureVector plain = features("hello there friend", {}, kBits);
  EXPECT_EQ(plain.dense[kCodeScore], 0.0f);
  EXPECT_EQ(plain.dense[kMathScore], 0.0f);
  EXPECT_EQ(plain.dense[kToolsPresent], 0.0f);
  EXPECT_EQ(plain.dense[kDigitRatio], 0.0f);
}

TEST(Features, CaseAndWhitespaceInsensitive) {
  const FeatureVector a = features("Which number is bigger: 9.11 or 9.9?", {}, kBits);
  const FeatureVector b = features("which  number is BIGGER:\n9.11 or 9.9?", {}, kBits);
  ASSERT_EQ(a.sparse.size(), b.sparse.size());
  for (std::size_t i = 0; i < a.sparse.size(); ++i) {
    EXPECT_EQ(a.sparse[i].index, b.sparse[i].index);
    EXPECT_FLOAT_EQ(a.sparse[i].value, b.sparse[i].value);
  }
}

TEST(Features, DecimalNumbersAreOneToken) {
  // "9.11" and "9.9" must differ as words, not collapse into "9", "11", "9".
  const FeatureVector a = features("9.11", {}, kBits);
  const FeatureVector b = features("9.9", {}, kBits);
  EXPECT_NE(a.sparse, b.sparse);
  EXPECT_FLOAT_EQ(a.dense[kLogNumbers], std::log1p(1.0f));
}

TEST(Features, DecimalTrap) {
  auto trap = [](std::string_view text) { return features(text, {}, kBits).dense[kDecimalTrap]; };
  // The number with more fraction digits is the smaller one.
  EXPECT_EQ(trap("Which is bigger: 9.11 or 9.9?"), 1.0f);
  EXPECT_EQ(trap("Compare 13.8 and 13.11."), 1.0f);
  EXPECT_EQ(trap("9.9 or 9.111 --- which one is bigger?"), 1.0f);
  EXPECT_EQ(trap("Is 13.110 bigger than 13.9?"), 1.0f);
  // Not a trap: longer fraction is larger, different integer parts, equal
  // lengths, a single decimal, or plain integers.
  EXPECT_EQ(trap("Which is bigger: 9.901 or 9.110?"), 0.0f);
  EXPECT_EQ(trap("13.9 or 13.1?"), 0.0f);
  EXPECT_EQ(trap("8.19 or 7.9?"), 0.0f);
  EXPECT_EQ(trap("It costs 3.50 dollars."), 0.0f);
  EXPECT_EQ(trap("Add 12 and 7."), 0.0f);
  EXPECT_EQ(trap("Version 1.2.10 vs 1.2.9"), 0.0f);
  // Sentence punctuation does not make a decimal; equal value is no trap.
  EXPECT_EQ(trap("Pick 9. Then 11."), 0.0f);
  EXPECT_EQ(trap("Is 2.50 equal to 2.5?"), 0.0f);
}

TEST(Features, RequestJsonMatchesPlainText) {
  const FeatureVector from_json = of_json(
      R"({"model":"auto","messages":[{"role":"system","content":"Be brief."},
          {"role":"user","content":[{"type":"text","text":"Describe this"},
          {"type":"image_url","image_url":{"url":"https://x/y.png"}}]}],
          "tools":[{"type":"function","function":{"name":"f"}}]})");
  RequestShape shape;
  shape.messages = 2;
  shape.tools = 1;
  shape.images = 1;
  shape.total_chars = 9 + 13;
  shape.system_chars = 9;
  const FeatureVector from_text = features("Be brief.\nDescribe this\n", shape, kBits);
  EXPECT_EQ(from_json.sparse, from_text.sparse);
  EXPECT_EQ(from_json.dense, from_text.dense);
  EXPECT_EQ(from_json.dense[kImagesPresent], 1.0f);
  EXPECT_EQ(from_json.dense[kToolsPresent], 1.0f);
}

TEST(Features, MalformedRequestFieldsAreIgnored) {
  const FeatureVector x = of_json(R"({"messages":"oops","tools":7})");
  EXPECT_TRUE(x.sparse.empty());
  EXPECT_EQ(x.dense[kLogMessages], 0.0f);
  const FeatureVector y = of_json(R"({"messages":[1,{"role":"user"},{"content":null}]})");
  EXPECT_TRUE(y.sparse.empty());
  EXPECT_FLOAT_EQ(y.dense[kLogMessages], std::log1p(3.0f));
}

TEST(Features, LongTextIsBoundedButLengthCounted) {
  std::string big(200000, 'a');
  for (std::size_t i = 0; i < big.size(); i += 7) big[i] = ' ';
  const FeatureVector x = features(big, {}, kBits);
  EXPECT_FLOAT_EQ(x.dense[kLogChars], std::log1p(static_cast<float>(big.size())));
  const FeatureVector tail =
      features(std::string_view(big).substr(big.size() - kMaxTextBytes), {}, kBits);
  EXPECT_EQ(x.sparse, tail.sparse);
}

}  // namespace
}  // namespace sy::classifier
