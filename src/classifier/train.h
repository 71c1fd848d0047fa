// Training the router classifier: weighted logistic regression (AdaGrad SGD,
// L2) over the hashed features of features.h, deterministic for a given data
// file and options (fixed seed, single thread, fixed iteration order).
//
// Labels come from the data (see dataset.h): for routing data, each listed
// (strong, mini) pair scored on a prompt contributes a target — kGain:
// (1 + strong - mini) / 2, so the score ranks prompts by the expected quality
// gained by calling the strong model; kBinary: 1 when strong > mini — weighted
// 1 for the primary pair and `pooled_pair_weight` for the others. A `tier`
// label contributes 1 (standard) or 0 (mini) with weight 1.
//
// When validation_folds >= 2, records are split into that many folds by
// sha256(validation_salt + group) (a question and its duplicates stay in one
// fold); a model per fold, trained on the other folds, scores its held-out
// fold. default_threshold is picked on these out-of-fold scores (least
// strong-call share reaching target_pgr for the primary pair) and reported as
// the validation result; the returned model is then trained on every record
// with that threshold. Errors (unreadable data, no usable labels) are values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "classifier/dataset.h"
#include "classifier/evaluate.h"
#include "classifier/model.h"
#include "util/expected.h"

namespace sy::classifier {

enum class Target { kGain, kBinary };

// The strong/mini pairs of /work/shared/data/routing/README.md.
std::vector<std::pair<std::string, std::string>> default_pooled_pairs();

struct TrainOptions {
  std::string data_path;
  std::string strong_model = "gpt-4o-2024-05-13";
  std::string mini_model = "gpt-4o-mini-2024-07-18";
  std::vector<std::pair<std::string, std::string>> pooled_pairs = default_pooled_pairs();
  // Weight of the other pairs (0: primary pair only). With centring, 0.2 keeps
  // the primary pair's out-of-fold curve and teaches plain (non-benchmark)
  // prompts an order: word problems above trivia.
  double pooled_pair_weight = 0.2;
  // When true, pooled pairs label only records that also score the primary
  // pair (same prompts, denser labels); false: every record they score.
  bool pool_primary_prompts_only = false;
  // Subtract each pooled pair's mean gain (over the records it scores) from
  // its gain, so pooling moves prompts relative to their pair's average.
  bool center_pooled_pairs = true;
  Target target = Target::kGain;
  // Blends a difficulty signal into the primary pair's gain: gain becomes
  // (1 - w) * gain + w * 4d(1 - d), d = share of scored models failing the
  // prompt, on records scored by >= difficulty_min_models models.
  double difficulty_weight = 0;
  uint32_t difficulty_min_models = 5;
  // Also train on records without the primary pair (difficulty target only,
  // weight difficulty_weight).
  bool difficulty_all_records = false;
  uint32_t hash_bits = 16;
  int epochs = 10;
  // Hashed features seen in fewer training prompts than this keep weight 0,
  // so the model learns shared patterns instead of memorising single prompts.
  uint32_t min_prompts_per_feature = 5;
  bool adagrad = false;  // false: plain SGD with a 1/sqrt(epoch) decay
  // Small steps on purpose: per-prompt gains are sparse and noisy, and larger
  // steps (or more epochs) memorise them (validated: lr 0.05 x 8 epochs gives
  // out-of-fold CPT(80%) ~53%, 0.001 x 10 ~32%).
  double learning_rate = 0.001;
  double l2 = 1e-4;
  uint64_t seed = 0x5357594152440001ULL;
  int validation_folds = 5;  // < 2: no validation, threshold = fixed_threshold
  std::string validation_salt = "switchyard-router-validation-v1:";
  // Cross-validation runs, each with its own fold assignment (salt +
  // "repeat-N:" for N >= 1); the threshold is picked on all runs' scores.
  int validation_repeats = 5;
  double target_pgr = 0.82;
  // > 0: pick the threshold giving this strong-call share instead of target_pgr.
  double target_strong_share = 0.36;
  // Further (strong, mini) pairs whose out-of-fold curves are reported.
  std::vector<std::pair<std::string, std::string>> report_pairs;
  double fixed_threshold = 0.5;
};

struct TrainResult {
  Model model;
  std::optional<EvalReport> validation;            // primary pair, out-of-fold scores (all runs)
  std::vector<EvalReport> validation_runs;         // per run, when validation_repeats > 1
  std::vector<EvalReport> report_pair_validation;  // one per TrainOptions::report_pairs
  std::vector<double> out_of_fold;  // first run's out-of-fold score per record (data order)
  std::size_t train_records = 0;
};

Expected<TrainResult, std::string> train(const TrainOptions& options);
// Same, on data already in memory (options.data_path is ignored).
Expected<TrainResult, std::string> train(const TrainOptions& options, const Dataset& data);

}  // namespace sy::classifier
