// Exact agreement with the reference encoder (js-tiktoken, via fixture.json from
// make_fixture.mjs) for both encodings.
#include "tokenize/tokenizer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

namespace sy::tokenize {
namespace {

struct FixtureEntry {
  std::string text;
  size_t o200k_count = 0;
  size_t cl100k_count = 0;
  bool has_ids = false;
  std::vector<uint32_t> o200k_ids;
  std::vector<uint32_t> cl100k_ids;
};

std::vector<uint32_t> ids_of(simdjson::dom::element array) {
  std::vector<uint32_t> ids;
  const simdjson::dom::array items = array.get_array().value();
  for (simdjson::dom::element id : items) {
    ids.push_back(static_cast<uint32_t>(id.get_uint64().value()));
  }
  return ids;
}

std::vector<FixtureEntry> load_fixture() {
  static simdjson::dom::parser parser;
  simdjson::dom::element root = parser.load(SWITCHYARD_TEST_DATA_DIR "/fixture.json").value();
  std::vector<FixtureEntry> entries;
  const simdjson::dom::array items = root["entries"].get_array().value();
  for (simdjson::dom::element e : items) {
    FixtureEntry entry;
    entry.text = std::string(e["text"].get_string().value());
    entry.o200k_count = e["o200k_base"].get_uint64().value();
    entry.cl100k_count = e["cl100k_base"].get_uint64().value();
    simdjson::dom::element ids;
    if (e["o200k_base_ids"].get(ids) == simdjson::SUCCESS) {
      entry.has_ids = true;
      entry.o200k_ids = ids_of(ids);
      entry.cl100k_ids = ids_of(e["cl100k_base_ids"].value());
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

TEST(TokenizerTest, FixtureHasEnoughCases) {
  const auto entries = load_fixture();
  EXPECT_GE(entries.size(), 150u);
}

TEST(TokenizerTest, CountsMatchReferenceForO200k) {
  const Tokenizer& tok = tokenizer(Encoding::kO200kBase);
  for (const FixtureEntry& entry : load_fixture()) {
    EXPECT_EQ(tok.count(entry.text), entry.o200k_count) << "text: " << entry.text;
  }
}

TEST(TokenizerTest, CountsMatchReferenceForCl100k) {
  const Tokenizer& tok = tokenizer(Encoding::kCl100kBase);
  for (const FixtureEntry& entry : load_fixture()) {
    EXPECT_EQ(tok.count(entry.text), entry.cl100k_count) << "text: " << entry.text;
  }
}

TEST(TokenizerTest, IdsMatchReference) {
  const Tokenizer& o200k = tokenizer(Encoding::kO200kBase);
  const Tokenizer& cl100k = tokenizer(Encoding::kCl100kBase);
  size_t checked = 0;
  for (const FixtureEntry& entry : load_fixture()) {
    if (!entry.has_ids) continue;
    ++checked;
    EXPECT_EQ(o200k.encode(entry.text), entry.o200k_ids) << "text: " << entry.text;
    EXPECT_EQ(cl100k.encode(entry.text), entry.cl100k_ids) << "text: " << entry.text;
  }
  EXPECT_GE(checked, 20u);
}

TEST(TokenizerTest, CountEqualsEncodeSize) {
  for (Encoding encoding : {Encoding::kO200kBase, Encoding::kCl100kBase}) {
    const Tokenizer& tok = tokenizer(encoding);
    for (const FixtureEntry& entry : load_fixture()) {
      EXPECT_EQ(tok.count(entry.text), tok.encode(entry.text).size());
    }
  }
}

TEST(TokenizerTest, KnownIdsFromTheCookbook) {
  // openai-cookbook "How to count tokens with tiktoken", section 5.
  EXPECT_EQ(tokenizer(Encoding::kO200kBase).encode("お誕生日おめでとう"),
            (std::vector<uint32_t>{8930, 9697, 243, 128225, 8930, 17693, 4344, 48669}));
  EXPECT_EQ(tokenizer(Encoding::kCl100kBase).encode("お誕生日おめでとう"),
            (std::vector<uint32_t>{33334, 45918, 243, 21990, 9080, 33334, 62004, 16556, 78699}));
}

TEST(TokenizerTest, SpecialTokensAreOrdinaryText) {
  const Tokenizer& tok = tokenizer(Encoding::kCl100kBase);
  const std::vector<uint32_t> ids = tok.encode("<|endoftext|>");
  EXPECT_GT(ids.size(), 1u);
  for (uint32_t id : ids) EXPECT_NE(id, 100257u);
}

TEST(TokenizerTest, SameInstanceEveryCall) {
  EXPECT_EQ(&tokenizer(Encoding::kO200kBase), &tokenizer(Encoding::kO200kBase));
  EXPECT_NE(&tokenizer(Encoding::kO200kBase), &tokenizer(Encoding::kCl100kBase));
  EXPECT_EQ(tokenizer(Encoding::kCl100kBase).encoding(), Encoding::kCl100kBase);
  EXPECT_EQ(encoding_name(Encoding::kO200kBase), "o200k_base");
  EXPECT_EQ(encoding_name(Encoding::kCl100kBase), "cl100k_base");
}

}  // namespace
}  // namespace sy::tokenize
