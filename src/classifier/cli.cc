#include "classifier/cli.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "classifier/evaluate.h"
#include "classifier/train.h"

namespace sy::classifier {
namespace {

void fail(const std::string& message) {
  std::fprintf(stderr, "router: %s\n", message.c_str());
  throw CLI::RuntimeError(1);
}

struct TrainArgs {
  TrainOptions options;
  std::string out;
  std::string target = "gain";
  std::vector<std::string> pairs;         // "strong:mini", replaces the pooled pairs
  std::vector<std::string> report_pairs;  // "strong:mini"
  std::string oof_out;                    // out-of-fold scores, one per line
};

// "strong:mini" -> (strong, mini); model names contain no ':'.
std::pair<std::string, std::string> split_pair(const std::string& s) {
  const auto colon = s.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) {
    fail("pair must be STRONG:MINI, got " + s);
  }
  return {s.substr(0, colon), s.substr(colon + 1)};
}

// One line per cross-validation run: the spread shows how much of a
// difference between two settings is fold noise.
std::string format_runs(const std::vector<EvalReport>& runs) {
  std::string out;
  double pgr = 0, share = 0, apgr = 0, cpt80 = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const EvalReport& r = runs[i];
    out += fmt::format(
        "  run {}: default PGR {:.3f} at {:.1f}% strong  APGR {:.3f}  CPT(80%) {:.1f}%\n", i,
        r.at_default.pgr, 100 * r.at_default.strong_share, r.apgr, 100 * r.cpt80);
    pgr += r.at_default.pgr;
    share += r.at_default.strong_share;
    apgr += r.apgr;
    cpt80 += r.cpt80;
  }
  const double n = runs.empty() ? 1.0 : static_cast<double>(runs.size());
  out +=
      fmt::format("  mean:  default PGR {:.3f} at {:.1f}% strong  APGR {:.3f}  CPT(80%) {:.1f}%\n",
                  pgr / n, 100 * share / n, apgr / n, 100 * cpt80 / n);
  return out;
}

struct EvalArgs {
  std::string data;
  std::string model;
  std::string strong;
  std::string mini;
  double threshold = -1;
};

void run_train(const TrainArgs& args) {
  TrainOptions o = args.options;
  o.target = args.target == "binary" ? Target::kBinary : Target::kGain;
  if (!args.pairs.empty()) {
    o.pooled_pairs.clear();
    for (const auto& p : args.pairs) o.pooled_pairs.push_back(split_pair(p));
  }
  for (const auto& p : args.report_pairs) o.report_pairs.push_back(split_pair(p));
  const auto start = std::chrono::steady_clock::now();
  auto result = train(o);
  if (!result) fail(result.error());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (result->validation) {
    std::printf("validation (%d folds split by group, out-of-fold scores):\n%s\n",
                o.validation_folds, format_report(*result->validation).c_str());
  }
  if (!result->validation_runs.empty()) {
    std::printf("per run:\n%s\n", format_runs(result->validation_runs).c_str());
  }
  for (const auto& r : result->report_pair_validation) {
    std::printf("out-of-fold, reported pair:\n%s\n", format_report(r).c_str());
  }
  if (!args.oof_out.empty()) {
    std::FILE* f = std::fopen(args.oof_out.c_str(), "w");
    if (!f) fail("cannot write " + args.oof_out);
    for (double v : result->out_of_fold) std::fprintf(f, "%.9g\n", v);
    std::fclose(f);
  }
  auto saved = result->model.save(args.out);
  if (!saved) fail(saved.error());
  const std::string bytes = result->model.serialize();
  std::printf(
      "trained on %zu records in %.1f s; wrote %s (%zu bytes, %zu nonzero weights, "
      "default_threshold %.4f)\n",
      result->train_records, seconds, args.out.c_str(), bytes.size(),
      result->model.nonzero_weights(), result->model.default_threshold());
}

// The model file at `path`, or the builtin model when it is empty; exits
// with the load error otherwise.
Model model_from(const std::string& path) {
  if (path.empty()) return Model::builtin();
  auto m = Model::load(path);
  if (!m) fail(m.error());
  return std::move(*m);
}

void run_eval(const EvalArgs& args) {
  const Model loaded = model_from(args.model);
  const Model* model = &loaded;
  auto data = read_jsonl(args.data);
  if (!data) fail(data.error());
  const std::string strong = args.strong.empty() ? model->strong_model() : args.strong;
  const std::string mini = args.mini.empty() ? model->mini_model() : args.mini;
  std::vector<const Record*> records;
  for (const auto& rec : data->records) records.push_back(&rec);
  const double threshold = args.threshold >= 0 ? args.threshold : model->default_threshold();
  const EvalReport report = evaluate(*model, records, data->models, strong, mini, threshold);
  if (report.scored_prompts == 0 && report.strong_tier + report.mini_tier == 0) {
    fail("no record in " + args.data + " scores both " + strong + " and " + mini +
         " or carries a tier label");
  }
  std::printf("%s", format_report(report).c_str());
}

struct ScoreArgs {
  std::string model;
  std::vector<std::string> texts;
};

void run_score(const ScoreArgs& args) {
  const Model loaded = model_from(args.model);
  const Model* model = &loaded;
  for (const auto& text : args.texts) {
    RequestShape shape;
    shape.total_chars = text.size() + 1;  // as one user message, see collect_messages()
    const double s = model->score(text + "\n", shape);
    std::printf("%.4f %s (threshold %.4f)\n", s, model->needs_strong(s) ? "standard" : "mini",
                model->default_threshold());
  }
}

}  // namespace

void add_router_commands(CLI::App& app) {
  CLI::App* router = app.add_subcommand("router", "Train and evaluate the model=auto router");
  router->require_subcommand(1);

  auto train_args = std::make_shared<TrainArgs>();
  TrainOptions& o = train_args->options;
  CLI::App* tr = router->add_subcommand("train", "Train a router model from JSONL data");
  tr->add_option("--data", o.data_path, "Routing data or {messages, tier} JSONL")->required();
  tr->add_option("--out", train_args->out, "Model file to write")->required();
  tr->add_option("--strong", o.strong_model, "Strong model name in `scores`")
      ->capture_default_str();
  tr->add_option("--mini", o.mini_model, "Mini model name in `scores`")->capture_default_str();
  tr->add_option("--pooled-weight", o.pooled_pair_weight,
                 "Weight of the other strong/mini pairs (0 = primary pair only)")
      ->capture_default_str();
  tr->add_option("--pair", train_args->pairs,
                 "Pooled pair STRONG:MINI (repeatable; replaces the built-in list)");
  tr->add_flag("--pool-primary-only", o.pool_primary_prompts_only,
               "Pooled pairs label only records that score the primary pair");
  tr->add_flag("--center-pooled,!--no-center-pooled", o.center_pooled_pairs,
               "Centre each pooled pair's gain on its mean over the records it scores");
  tr->add_option("--difficulty-weight", o.difficulty_weight,
                 "Blend of the 4d(1-d) difficulty signal into the primary gain (0..1)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  tr->add_option("--difficulty-min-models", o.difficulty_min_models,
                 "Models a record must score for its difficulty to count")
      ->capture_default_str();
  tr->add_flag("--difficulty-all-records", o.difficulty_all_records,
               "Also train on records without the primary pair (difficulty target only)");
  tr->add_option("--target", train_args->target, "gain or binary")
      ->capture_default_str()
      ->check(CLI::IsMember({"gain", "binary"}));
  tr->add_option("--epochs", o.epochs, "Training epochs")->capture_default_str();
  tr->add_option("--hash-bits", o.hash_bits, "log2 of the hashed weight table")
      ->capture_default_str()
      ->check(CLI::Range(10, 24));
  tr->add_option("--learning-rate", o.learning_rate, "AdaGrad learning rate")
      ->capture_default_str();
  tr->add_option("--min-prompts", o.min_prompts_per_feature,
                 "Ignore hashed features seen in fewer training prompts")
      ->capture_default_str();
  tr->add_flag("--adagrad", o.adagrad, "Use AdaGrad instead of plain SGD");
  tr->add_option("--l2", o.l2, "L2 regularisation")->capture_default_str();
  tr->add_option("--seed", o.seed, "Shuffle seed")->capture_default_str();
  tr->add_option("--folds", o.validation_folds,
                 "Cross-validation folds split by group, to pick the threshold (0 = none)")
      ->capture_default_str()
      ->check(CLI::Range(0, 20));
  tr->add_option("--target-pgr", o.target_pgr,
                 "PGR the default threshold must reach on the held-out groups")
      ->capture_default_str();
  tr->add_option("--cv-repeats", o.validation_repeats,
                 "Cross-validation runs with different fold assignments")
      ->capture_default_str()
      ->check(CLI::Range(1, 20));
  tr->add_option("--target-share", o.target_strong_share,
                 "Pick the threshold for this strong-call share (0 = use --target-pgr)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  tr->add_option("--report-pair", train_args->report_pairs,
                 "Also report the out-of-fold curve of STRONG:MINI (repeatable)");
  tr->add_option("--oof-out", train_args->oof_out,
                 "Write the first run's out-of-fold score of every record (one per line)");
  tr->add_option("--threshold", o.fixed_threshold, "Threshold when no validation split")
      ->capture_default_str();
  tr->callback([train_args] { run_train(*train_args); });

  auto eval_args = std::make_shared<EvalArgs>();
  CLI::App* ev = router->add_subcommand("eval", "Evaluate a router model on JSONL data");
  ev->add_option("--data", eval_args->data, "Routing data or {messages, tier} JSONL")->required();
  ev->add_option("--model", eval_args->model, "Model file (default: the built-in model)");
  ev->add_option("--strong", eval_args->strong, "Strong model (default: the model's)");
  ev->add_option("--mini", eval_args->mini, "Mini model (default: the model's)");
  ev->add_option("--threshold", eval_args->threshold, "Override the default threshold");
  ev->callback([eval_args] { run_eval(*eval_args); });

  auto score_args = std::make_shared<ScoreArgs>();
  CLI::App* sc = router->add_subcommand("score", "Score prompts, each sent as one user message");
  sc->add_option("--model", score_args->model, "Model file (default: the built-in model)");
  sc->add_option("text", score_args->texts, "Prompt text (repeatable)")->required();
  sc->callback([score_args] { run_score(*score_args); });
}

}  // namespace sy::classifier
