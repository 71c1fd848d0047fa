#include "classifier/train.h"

#include <gtest/gtest.h>

#include <string>

#include "classifier/evaluate.h"

namespace sy::classifier {
namespace {

const std::string kFixture = std::string(SWITCHYARD_TEST_DATA_DIR) + "/fixtures/small.jsonl";
constexpr const char* kStrong = "gpt-4o-2024-05-13";
constexpr const char* kMini = "gpt-4o-mini-2024-07-18";

TrainOptions small_options() {
  TrainOptions o;
  o.data_path = kFixture;
  o.hash_bits = 14;
  o.min_prompts_per_feature = 2;
  o.epochs = 6;
  o.validation_folds = 3;
  o.validation_repeats = 1;
  return o;
}

TEST(Dataset, ReadsBothFormats) {
  auto data = read_jsonl(kFixture);
  ASSERT_TRUE(data) << data.error();
  EXPECT_EQ(data->records.size(), 180u);
  EXPECT_GE(data->model_id(kStrong), 0);
  EXPECT_GE(data->model_id(kMini), 0);
  std::size_t tiers = 0, scored = 0;
  for (const auto& r : data->records) {
    tiers += r.tier != Tier::kUnknown;
    scored += !r.scores.empty();
    EXPECT_FALSE(r.text.empty());
    EXPECT_FALSE(r.group.empty());
  }
  EXPECT_EQ(tiers, 30u);
  EXPECT_EQ(scored, 150u);
}

TEST(Dataset, ErrorsNameTheLine) {
  auto bad = parse_jsonl("{\"messages\":[],\"tier\":\"mini\"}\n{oops\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("line 2"), std::string::npos);
  EXPECT_FALSE(parse_jsonl("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n"));
  EXPECT_FALSE(parse_jsonl("{\"messages\":[],\"tier\":\"huge\"}\n"));
  EXPECT_FALSE(read_jsonl("/nonexistent.jsonl"));
}

TEST(Train, DeterministicBitIdenticalModel) {
  auto a = train(small_options());
  auto b = train(small_options());
  ASSERT_TRUE(a) << a.error();
  ASSERT_TRUE(b) << b.error();
  EXPECT_EQ(a->model.serialize(), b->model.serialize());
  TrainOptions other = small_options();
  other.seed ^= 1;
  auto c = train(other);
  ASSERT_TRUE(c);
  EXPECT_NE(a->model.serialize(), c->model.serialize());
}

TEST(Train, TrainEvalRoundTrip) {
  auto trained = train(small_options());
  ASSERT_TRUE(trained) << trained.error();
  ASSERT_TRUE(trained->validation.has_value());
  EXPECT_EQ(trained->validation->scored_prompts, 150u);
  const double t = trained->model.default_threshold();
  EXPECT_GT(t, 0.0);
  EXPECT_LE(t, 1.0);

  auto data = read_jsonl(kFixture);
  ASSERT_TRUE(data);
  const EvalReport r = evaluate(trained->model, *data, kStrong, kMini);
  EXPECT_EQ(r.scored_prompts, 150u);
  EXPECT_GT(r.strong_mean, r.mini_mean);
  ASSERT_EQ(r.table.size(), 11u);
  EXPECT_DOUBLE_EQ(r.table.front().strong_share, 0.0);
  EXPECT_DOUBLE_EQ(r.table.front().pgr, 0.0);
  EXPECT_DOUBLE_EQ(r.table.back().strong_share, 1.0);
  EXPECT_NEAR(r.table.back().pgr, 1.0, 1e-12);
  // In-sample, the model must beat random routing.
  EXPECT_GT(r.apgr, 0.5);
  EXPECT_EQ(r.strong_tier + r.mini_tier, 180u);
  const std::string text = format_report(r);
  EXPECT_NE(text.find("APGR"), std::string::npos);
  EXPECT_NE(text.find("CPT(80%)"), std::string::npos);
}

TEST(Train, UserTierLabelsWork) {
  std::string jsonl;
  const char* easy[] = {"hi there", "what is the capital of france", "say thanks",
                        "hello",    "translate cat to french",       "what day is it"};
  const char* hard[] = {"prove the riemann hypothesis rigorously with lemmas",
                        "design a distributed consensus protocol and prove safety",
                        "derive the fourier transform of a gaussian with proof",
                        "prove that the halting problem is undecidable in detail",
                        "implement a lock free hash map and prove linearizability",
                        "prove the spectral theorem for compact self adjoint operators"};
  for (const char* e : easy) {
    jsonl += std::string(R"({"messages":[{"role":"user","content":")") + e +
             R"("}],"tier":"mini"})" + "\n";
  }
  for (const char* h : hard) {
    jsonl += std::string(R"({"messages":[{"role":"user","content":")") + h +
             R"("}],"tier":"standard"})" + "\n";
  }
  auto data = parse_jsonl(jsonl);
  ASSERT_TRUE(data) << data.error();
  TrainOptions o;
  o.hash_bits = 12;
  o.validation_folds = 0;
  o.min_prompts_per_feature = 1;
  o.epochs = 30;
  o.learning_rate = 0.5;
  auto trained = train(o, *data);
  ASSERT_TRUE(trained) << trained.error();
  const Model& m = trained->model;
  EXPECT_GT(m.score("prove the theorem rigorously"), m.score("hello there"));
  const EvalReport r = evaluate(m, *data, o.strong_model, o.mini_model);
  EXPECT_EQ(r.scored_prompts, 0u);
  EXPECT_EQ(r.strong_tier, 6u);
  EXPECT_EQ(r.mini_tier, 6u);
  EXPECT_DOUBLE_EQ(r.accuracy, 1.0);
}

TEST(Train, NoLabelsIsAnError) {
  auto data = parse_jsonl(R"({"messages":[],"scores":{"a":1.0}})"
                          "\n");
  ASSERT_TRUE(data);
  TrainOptions o;
  auto trained = train(o, *data);
  ASSERT_FALSE(trained);
  EXPECT_NE(trained.error().find("no record"), std::string::npos);
}

TEST(Train, RepeatedValidationAndReportedPairs) {
  TrainOptions o = small_options();
  o.validation_repeats = 2;
  o.report_pairs = {{kStrong, kMini}, {"no-such-model", kMini}};
  auto a = train(o);
  ASSERT_TRUE(a) << a.error();
  ASSERT_TRUE(a->validation.has_value());
  // Both runs' out-of-fold scores feed the pooled report.
  EXPECT_EQ(a->validation->scored_prompts, 300u);
  ASSERT_EQ(a->validation_runs.size(), 2u);
  EXPECT_EQ(a->validation_runs[0].scored_prompts, 150u);
  EXPECT_EQ(a->validation_runs[1].scored_prompts, 150u);
  ASSERT_EQ(a->report_pair_validation.size(), 2u);
  EXPECT_EQ(a->report_pair_validation[0].scored_prompts, 300u);
  EXPECT_DOUBLE_EQ(a->report_pair_validation[0].apgr, a->validation->apgr);
  EXPECT_EQ(a->report_pair_validation[1].scored_prompts, 0u);
  EXPECT_EQ(a->out_of_fold.size(), 180u);
  // A different fold assignment gives a different second run.
  TrainOptions one = small_options();
  auto b = train(one);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->validation_runs.empty());
  EXPECT_EQ(b->validation->scored_prompts, 150u);
}

TEST(Train, ThresholdForStrongShare) {
  TrainOptions o = small_options();
  o.target_strong_share = 0.3;
  auto trained = train(o);
  ASSERT_TRUE(trained) << trained.error();
  const EvalReport& v = *trained->validation;
  EXPECT_LE(v.at_default.strong_share, 0.3 + 1e-12);
  EXPECT_GT(v.at_default.strong_share, 0.2);
  EXPECT_EQ(trained->model.default_threshold(), static_cast<float>(v.default_threshold));
}

TEST(Train, DifficultyAndPooledLabelsAreDeterministic) {
  // The fixture scores only the primary pair, plus a third model on some
  // records; the difficulty blend and pooled pairs must train and stay
  // bit-identical, and change the model when they have data to act on.
  std::string jsonl;
  for (int i = 0; i < 40; ++i) {
    const bool hard = i % 3 == 0;
    jsonl += R"({"messages":[{"role":"user","content":"question )" + std::to_string(i) +
             (hard ? " prove the bound" : " add the numbers") + R"("}],"scores":{")" + kStrong +
             R"(":1,")" + kMini + R"(":)" + (hard ? "0" : "1") + R"(,"m3":)" + (i % 2 ? "0" : "1") +
             R"(,"m4":0,"m5":1},"group":"g)" + std::to_string(i) + "\"}\n";
  }
  auto data = parse_jsonl(jsonl);
  ASSERT_TRUE(data) << data.error();
  TrainOptions o;
  o.hash_bits = 12;
  o.validation_folds = 0;
  o.min_prompts_per_feature = 1;
  auto plain = train(o, *data);
  o.difficulty_weight = 0.5;
  o.difficulty_min_models = 5;
  auto blended = train(o, *data);
  auto again = train(o, *data);
  ASSERT_TRUE(plain && blended && again);
  EXPECT_EQ(blended->model.serialize(), again->model.serialize());
  EXPECT_NE(blended->model.serialize(), plain->model.serialize());
  // Too few models scored: the difficulty signal is not used.
  o.difficulty_min_models = 6;
  auto unused = train(o, *data);
  ASSERT_TRUE(unused);
  EXPECT_EQ(unused->model.serialize(), plain->model.serialize());
  // Pooled pairs restricted to primary-pair records.
  TrainOptions p;
  p.hash_bits = 12;
  p.validation_folds = 0;
  p.min_prompts_per_feature = 1;
  p.pooled_pairs = {{"m3", kMini}};
  p.pooled_pair_weight = 1;
  p.pool_primary_prompts_only = true;
  auto pooled = train(p, *data);
  ASSERT_TRUE(pooled);
  EXPECT_NE(pooled->model.serialize(), plain->model.serialize());
  p.center_pooled_pairs = !p.center_pooled_pairs;
  auto other_centring = train(p, *data);
  ASSERT_TRUE(other_centring);
  EXPECT_NE(other_centring->model.serialize(), pooled->model.serialize());
}

TEST(Evaluate, CurveArithmetic) {
  // Two prompts gain from strong, two do not; a perfect ranking.
  std::vector<ScoredPrompt> p = {
      {0.9, 1.0, 0.0}, {0.8, 1.0, 0.0}, {0.2, 1.0, 1.0}, {0.1, 0.0, 0.0}};
  const EvalReport r = evaluate_scores(p, {}, 0.5);
  EXPECT_DOUBLE_EQ(r.strong_mean, 0.75);
  EXPECT_DOUBLE_EQ(r.mini_mean, 0.25);
  EXPECT_DOUBLE_EQ(r.at_default.strong_share, 0.5);
  EXPECT_DOUBLE_EQ(r.at_default.pgr, 1.0);
  EXPECT_DOUBLE_EQ(r.at_default.retained, 1.0);
  EXPECT_DOUBLE_EQ(r.cpt50, 0.25);
  EXPECT_DOUBLE_EQ(r.cpt80, 0.5);
  // Area: 0->0.25 rises 0->0.5, 0.25->0.5 rises to 1, then flat at 1.
  EXPECT_DOUBLE_EQ(r.apgr, 0.25 * 0.25 + 0.25 * 0.75 + 0.5);
  EXPECT_DOUBLE_EQ(r.strong_tier_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(r.mini_tier_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(choose_threshold(p, 0.8), 0.5);
  EXPECT_DOUBLE_EQ(choose_threshold(p, 0.5), 0.85);
  EXPECT_DOUBLE_EQ(choose_threshold_for_share(p, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(choose_threshold_for_share(p, 0.6), 0.5);
  EXPECT_DOUBLE_EQ(choose_threshold_for_share(p, 0.75), 0.15);
  // Below one prompt's share: still routes the top tie block.
  EXPECT_DOUBLE_EQ(choose_threshold_for_share(p, 0.1), 0.85);
  EXPECT_DOUBLE_EQ(choose_threshold_for_share({}, 0.5), 1.0);
}

}  // namespace
}  // namespace sy::classifier
