#include "classifier/model.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <string>

#include "classifier/train.h"

namespace sy::classifier {
namespace {

const std::string kFixture = std::string(SWITCHYARD_TEST_DATA_DIR) + "/fixtures/small.jsonl";
const std::string kCrux =
    "## Question: \n\nYou are given a Python function and an assertion containing an input to "
    "the function.\n\n[PYTHON]\ndef f(s):\n    return s[::-1].upper()\nassert f('abc') == "
    "??\n[/PYTHON]\n";

TrainOptions small_options() {
  TrainOptions o;
  o.data_path = kFixture;
  o.validation_folds = 0;
  o.fixed_threshold = 0.5;
  o.hash_bits = 14;
  o.min_prompts_per_feature = 2;
  o.epochs = 4;
  return o;
}

TEST(Model, BuiltinLoadsAndScores) {
  const Model& m = Model::builtin();
  EXPECT_GE(m.hash_bits(), 10u);
  EXPECT_GT(m.nonzero_weights(), 0u);
  EXPECT_GT(m.default_threshold(), 0.0);
  EXPECT_LT(m.default_threshold(), 1.0);
  EXPECT_EQ(m.strong_model(), "gpt-4o-2024-05-13");
  EXPECT_EQ(m.mini_model(), "gpt-4o-mini-2024-07-18");
  const double s = m.score(kCrux);
  EXPECT_GT(s, 0.0);
  EXPECT_LT(s, 1.0);
  EXPECT_EQ(&m, &Model::builtin());
}

TEST(Model, ScoreIsDeterministicAndJsonMatchesText) {
  const Model& m = Model::builtin();
  simdjson::dom::parser parser;
  const std::string body =
      R"({"model":"auto","messages":[{"role":"user","content":"What is 13.11 or 13.9, which is bigger?"}]})";
  simdjson::dom::object root = parser.parse(body).get_object().value();
  const double a = m.score(root);
  const double b = m.score(root);
  EXPECT_EQ(a, b);
  RequestShape shape;
  shape.messages = 1;
  shape.total_chars = 39;
  EXPECT_EQ(a, m.score("What is 13.11 or 13.9, which is bigger?\n", shape));
  // The FeatureVector path agrees up to float rounding.
  const FeatureVector x = features(root, m.hash_bits());
  EXPECT_NEAR(a, m.score(x), 1e-5);
}

TEST(Model, SaveLoadRoundTrip) {
  auto trained = train(small_options());
  ASSERT_TRUE(trained) << trained.error();
  const Model& m = trained->model;
  const std::string path = ::testing::TempDir() + "/router-roundtrip.bin";
  ASSERT_TRUE(m.save(path));
  auto loaded = Model::load(path);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(loaded->serialize(), m.serialize());
  EXPECT_EQ(loaded->score(kCrux), m.score(kCrux));
  EXPECT_EQ(loaded->default_threshold(), m.default_threshold());
  std::remove(path.c_str());
}

TEST(Model, CalibrationMapsRawScoresToPercentiles) {
  Model m;
  EXPECT_EQ(m.calibrate(0.37), 0.37);  // no knots: raw
  std::vector<double> raw;
  for (int i = 0; i <= 1000; ++i) raw.push_back(0.4 + 0.2 * i / 1000.0);  // 0.40 .. 0.60
  m.calibrate_on(raw);
  ASSERT_EQ(m.calibration_knots().size(), 101u);
  EXPECT_EQ(m.calibrate(0.1), 0.0);
  EXPECT_EQ(m.calibrate(0.9), 1.0);
  EXPECT_NEAR(m.calibrate(0.5), 0.5, 1e-3);
  EXPECT_NEAR(m.calibrate(0.55), 0.75, 1e-3);
  double last = -1;
  for (double x = 0.35; x < 0.65; x += 0.001) {
    const double c = m.calibrate(x);
    EXPECT_GE(c, last) << x;
    last = c;
  }
}

TEST(Model, TrainedModelIsCalibratedAndKeepsItsKnotsThroughAFile) {
  auto trained = train(small_options());
  ASSERT_TRUE(trained) << trained.error();
  const Model& m = trained->model;
  EXPECT_EQ(m.calibration_knots().size(), 101u);
  auto parsed = Model::parse(m.serialize());
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->calibration_knots(), m.calibration_knots());
  // The committed model: its threshold is a percentile of the training prompts.
  EXPECT_GT(Model::builtin().default_threshold(), 0.5);
  EXPECT_LT(Model::builtin().default_threshold(), 0.8);
}

TEST(Model, RejectsCorruptFiles) {
  const std::string bytes = Model::builtin().serialize();
  EXPECT_FALSE(Model::parse(""));
  EXPECT_FALSE(Model::parse("not a model at all"));
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x40;
  auto bad = Model::parse(flipped);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("checksum"), std::string::npos);
  EXPECT_FALSE(Model::parse(std::string_view(bytes).substr(0, bytes.size() - 10)));
  EXPECT_FALSE(Model::load("/nonexistent/router.bin"));
  EXPECT_TRUE(Model::parse(bytes));
}

// tests/integration/auto_routing.test.mjs uses these two prompts, one per
// tier. Trivia sits clearly below the threshold. The word problem is
// GSM8K-like, where gpt-4o barely beats gpt-4o-mini in the data (0.954 vs
// 0.942), so it lands only just above: the model ranks it above trivia
// because pooled pairs (e.g. gpt-4 vs mixtral on GSM8K) say word problems gain
// more than trivia, not because gpt-4o is clearly needed.
TEST(Model, BuiltinSeparatesTheIntegrationPrompts) {
  const Model& m = Model::builtin();
  simdjson::dom::parser parser;
  auto score = [&](const std::string& content) {
    const std::string body =
        R"({"model":"auto","messages":[{"role":"user","content":")" + content + R"("}]})";
    return m.score(parser.parse(body).get_object().value());
  };
  const double routine = score("What is the capital of France?");
  const double hard = score(
      "A bakery sells muffins for $3 each or a box of 6 for $15. Priya needs 20 muffins for a "
      "party, has a coupon for 10% off any box, and pays with two $50 bills. The bakery only "
      "gives change in $5 bills and quarters. How many quarters does she get back if she buys "
      "the cheapest combination?");
  const double t = m.default_threshold();
  EXPECT_LT(routine, t - 0.05) << "routine " << routine << " threshold " << t;
  EXPECT_GT(hard, t) << "hard " << hard << " threshold " << t;
  EXPECT_GT(hard, routine + 0.5);
}

TEST(Model, CommittedFileIsSmallAndMatchesBuiltin) {
  auto file = Model::load(std::string(SWITCHYARD_SOURCE_DIR) + "/models/router-default.bin");
  ASSERT_TRUE(file) << file.error();
  const std::string bytes = file->serialize();
  EXPECT_LT(bytes.size(), 512u * 1024u);
  EXPECT_EQ(bytes, Model::builtin().serialize());
}

}  // namespace
}  // namespace sy::classifier
