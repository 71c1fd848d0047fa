#include "classifier/train.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace sy::classifier {
namespace {

struct Example {
  FeatureVector x;
  float target = 0;
  float weight = 0;
};

struct PairIds {
  int strong = -1;
  int mini = -1;
  float weight = 0;
  double offset = 0;  // subtracted from this pair's gain (centering)
};

// splitmix64: a tiny deterministic generator (std distributions are not
// specified bit-exactly across library versions).
struct SplitMix {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

std::vector<PairIds> resolve_pairs(const TrainOptions& o, const Dataset& data) {
  std::vector<PairIds> pairs;
  pairs.push_back({data.model_id(o.strong_model), data.model_id(o.mini_model), 1.0f});
  if (o.pooled_pair_weight > 0) {
    for (const auto& [s, m] : o.pooled_pairs) {
      if (s == o.strong_model && m == o.mini_model) continue;
      pairs.push_back(
          {data.model_id(s), data.model_id(m), static_cast<float>(o.pooled_pair_weight)});
    }
  }
  return pairs;
}

// One record's features and training label, computed once per training run.
struct Labelled {
  FeatureVector x;
  float target = 0;
  float weight = 0;  // 0: no label, not trained on
};

// 4d(1 - d) for d = the share of scored models that fail the prompt (mean
// score below 1): 0 when every model is right or every model is wrong, 1 when
// half are. The strong model gains most on such middling prompts; with many
// models scored it is a much denser signal than one pair's single outcome.
std::optional<double> difficulty_hump(const Record& rec, uint32_t min_models) {
  if (min_models == 0 || rec.scores.size() < min_models) return std::nullopt;
  double sum = 0;
  for (const auto& [id, q] : rec.scores) sum += q;
  const double d = 1.0 - sum / static_cast<double>(rec.scores.size());
  return 4.0 * d * (1.0 - d);
}

// Aggregated target and weight of one record; weight 0 when it has no label.
// pairs[0] is the primary pair; with pool_primary_prompts_only the other pairs
// count only on records that also score the primary pair.
std::pair<float, float> label(const Record& rec, const std::vector<PairIds>& pairs,
                              const TrainOptions& o) {
  double sum = 0, weight = 0;
  if (rec.tier != Tier::kUnknown) {
    sum += rec.tier == Tier::kStrong ? 1.0 : 0.0;
    weight += 1.0;
  }
  auto scored = [&](const PairIds& p) -> std::optional<double> {
    if (p.strong < 0 || p.mini < 0) return std::nullopt;
    auto s = rec.score_of(static_cast<uint16_t>(p.strong));
    auto m = rec.score_of(static_cast<uint16_t>(p.mini));
    if (!s || !m) return std::nullopt;
    return std::clamp(static_cast<double>(*s - *m), -1.0, 1.0);
  };
  const std::optional<double> primary = pairs.empty() ? std::nullopt : scored(pairs[0]);
  const std::optional<double> hump = difficulty_hump(rec, o.difficulty_min_models);
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    if (k > 0 && o.pool_primary_prompts_only && !primary) break;
    const PairIds& p = pairs[k];
    auto gain = k == 0 ? primary : scored(p);
    if (!gain) continue;
    double g = *gain - p.offset;
    if (k == 0 && hump && o.difficulty_weight > 0) {
      g = (1.0 - o.difficulty_weight) * g + o.difficulty_weight * *hump;
    }
    const double y = o.target == Target::kGain ? 0.5 * (1.0 + g) : (g > 0 ? 1.0 : 0.0);
    sum += p.weight * y;
    weight += p.weight;
  }
  if (!primary && hump && o.difficulty_all_records && o.difficulty_weight > 0) {
    sum += o.difficulty_weight * 0.5 * (1.0 + *hump);
    weight += o.difficulty_weight;
  }
  if (weight <= 0) return {0.0f, 0.0f};
  return {static_cast<float>(sum / weight), static_cast<float>(weight)};
}

Model fit(const std::vector<std::size_t>& records, const std::vector<Labelled>& labelled,
          const TrainOptions& o, float threshold) {
  std::vector<Example> examples;
  examples.reserve(records.size());
  for (std::size_t i : records) {
    const Labelled& l = labelled[i];
    if (l.weight <= 0) continue;
    examples.push_back({l.x, l.target, l.weight});
  }
  if (o.min_prompts_per_feature > 1) {
    std::vector<uint32_t> prompts_with(std::size_t{1} << o.hash_bits, 0);
    for (const auto& e : examples) {
      for (const auto& f : e.x.sparse) ++prompts_with[f.index];
    }
    for (auto& e : examples) {
      std::erase_if(e.x.sparse, [&](const SparseFeature& f) {
        return prompts_with[f.index] < o.min_prompts_per_feature;
      });
    }
  }
  Model::Parameters p;
  p.hash_bits = o.hash_bits;
  p.table.assign(std::size_t{1} << o.hash_bits, 0.0f);
  p.default_threshold = threshold;
  p.strong_model = o.strong_model;
  p.mini_model = o.mini_model;

  // Standardise dense features on the training set.
  std::array<double, kDenseCount> mean{}, sq{};
  for (const auto& e : examples) {
    for (uint32_t d = 0; d < kDenseCount; ++d) {
      mean[d] += e.x.dense[d];
      sq[d] += static_cast<double>(e.x.dense[d]) * e.x.dense[d];
    }
  }
  const double n = examples.empty() ? 1.0 : static_cast<double>(examples.size());
  for (uint32_t d = 0; d < kDenseCount; ++d) {
    const double m = mean[d] / n;
    const double var = std::max(0.0, sq[d] / n - m * m);
    p.dense_mean[d] = static_cast<float>(m);
    p.dense_inv_std[d] = var > 1e-12 ? static_cast<float>(1.0 / std::sqrt(var)) : 0.0f;
  }

  // Weighted logistic regression, AdaGrad.
  std::vector<float> g2(p.table.size(), 0.0f);
  std::array<double, kDenseCount> dense_g2{};
  double bias = 0, bias_g2 = 0;
  std::array<double, kDenseCount> dense_w{};
  std::vector<uint32_t> order(examples.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  SplitMix rng{o.seed};
  const double eps = 1e-8;
  std::array<double, kDenseCount> z_dense{};
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    const double lr = o.learning_rate / std::sqrt(1.0 + epoch);
    // AdaGrad divides by the accumulated gradient norm; plain SGD by 1.
    auto step = [&](double accumulated) { return o.adagrad ? std::sqrt(accumulated) + eps : 1.0; };
    for (std::size_t i = order.size(); i > 1; --i) {
      std::swap(order[i - 1], order[rng.next() % i]);
    }
    for (uint32_t idx : order) {
      const Example& e = examples[idx];
      double z = bias;
      for (const auto& f : e.x.sparse) z += static_cast<double>(p.table[f.index]) * f.value;
      for (uint32_t d = 0; d < kDenseCount; ++d) {
        z_dense[d] = (e.x.dense[d] - p.dense_mean[d]) * p.dense_inv_std[d];
        z += dense_w[d] * z_dense[d];
      }
      const double prob = 1.0 / (1.0 + std::exp(-z));
      const double g = e.weight * (prob - e.target);
      for (const auto& f : e.x.sparse) {
        float& w = p.table[f.index];
        const double gi = g * f.value + o.l2 * w;
        g2[f.index] += static_cast<float>(gi * gi);
        w -= static_cast<float>(lr * gi / step(g2[f.index]));
      }
      for (uint32_t d = 0; d < kDenseCount; ++d) {
        const double gi = g * z_dense[d] + o.l2 * dense_w[d];
        dense_g2[d] += gi * gi;
        dense_w[d] -= lr * gi / step(dense_g2[d]);
      }
      bias_g2 += g * g;
      bias -= lr * g / step(bias_g2);
    }
  }
  p.bias = static_cast<float>(bias);
  for (uint32_t d = 0; d < kDenseCount; ++d) p.dense_weight[d] = static_cast<float>(dense_w[d]);
  return Model::from_parameters(p);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> default_pooled_pairs() {
  return {
      {"gpt-4o-2024-05-13", "gpt-4o-mini-2024-07-18"},
      {"gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18"},
      {"claude-3-5-sonnet-20240620", "claude-3-haiku-20240307"},
      {"gemini-1.5-pro-002", "gemini-1.5-flash-002"},
      {"gemini-1.5-pro", "gemini-1.5-flash"},
      {"meta-llama-3.1-70b-instruct", "meta-llama-3.1-8b-instruct"},
      {"meta-llama-3-70b-instruct", "meta-llama-3-8b-instruct"},
      {"gpt-4-1106-preview", "mixtral-8x7b-instruct-v0.1"},
      {"o1-preview-2024-09-12", "o1-mini-2024-09-12"},
  };
}

namespace {

// Out-of-fold scores of every record under one fold assignment.
std::vector<double> out_of_fold_scores(const std::vector<const Record*>& all,
                                       const std::vector<Labelled>& labelled, const TrainOptions& o,
                                       const std::string& salt) {
  const auto folds = static_cast<uint32_t>(o.validation_folds);
  std::vector<uint32_t> fold_of(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) fold_of[i] = split_key(all[i]->group, salt) % folds;
  std::vector<double> scores(all.size(), 0.5);
  for (uint32_t fold = 0; fold < folds; ++fold) {
    std::vector<std::size_t> fit_part, held_part;
    for (std::size_t i = 0; i < all.size(); ++i) {
      (fold_of[i] == fold ? held_part : fit_part).push_back(i);
    }
    if (fit_part.empty() || held_part.empty()) continue;
    const Model fold_model = fit(fit_part, labelled, o, 0.5f);
    for (std::size_t i : held_part) scores[i] = fold_model.score(all[i]->text, all[i]->shape);
  }
  return scores;
}

// Prompts scoring both models of (strong, mini), with their out-of-fold scores.
void collect_scored(const std::vector<const Record*>& all, const std::vector<double>& scores,
                    int strong, int mini, std::vector<ScoredPrompt>& prompts,
                    std::vector<std::pair<double, Tier>>* tiers) {
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Record* rec = all[i];
    std::optional<float> qs, qm;
    if (strong >= 0 && mini >= 0) {
      qs = rec->score_of(static_cast<uint16_t>(strong));
      qm = rec->score_of(static_cast<uint16_t>(mini));
    }
    if (qs && qm) {
      prompts.push_back({scores[i], *qs, *qm});
    } else if (tiers && rec->tier != Tier::kUnknown) {
      tiers->emplace_back(scores[i], rec->tier);
    }
  }
}

}  // namespace

Expected<TrainResult, std::string> train(const TrainOptions& o, const Dataset& data) {
  if (o.hash_bits < 10 || o.hash_bits > 24)
    return unexpected(std::string("hash_bits must be 10..24"));
  if (o.epochs < 1) return unexpected(std::string("epochs must be >= 1"));
  std::vector<PairIds> pairs = resolve_pairs(o, data);
  if (o.center_pooled_pairs) {
    // Each pooled pair's mean gain over the records it scores (a constant per
    // pair, from labels only): centred, a pair says which of its prompts gain
    // more than its average, not that its whole benchmark needs the strong tier.
    for (std::size_t k = 1; k < pairs.size(); ++k) {
      PairIds& p = pairs[k];
      if (p.strong < 0 || p.mini < 0) continue;
      double sum = 0;
      std::size_t n = 0;
      for (const auto& rec : data.records) {
        auto s = rec.score_of(static_cast<uint16_t>(p.strong));
        auto m = rec.score_of(static_cast<uint16_t>(p.mini));
        if (!s || !m) continue;
        sum += std::clamp(static_cast<double>(*s - *m), -1.0, 1.0);
        ++n;
      }
      if (n > 0) p.offset = sum / static_cast<double>(n);
    }
  }
  std::vector<const Record*> all;
  all.reserve(data.records.size());
  for (const auto& rec : data.records) all.push_back(&rec);
  std::vector<Labelled> labelled(all.size());
  std::size_t usable = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto [y, w] = label(*all[i], pairs, o);
    labelled[i].target = y;
    labelled[i].weight = w;
    usable += w > 0;
  }
  if (usable == 0) {
    return unexpected(
        "no record carries a tier label or scores for a (strong, mini) pair (strong=" +
        o.strong_model + ", mini=" + o.mini_model + ")");
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (labelled[i].weight > 0) labelled[i].x = features(all[i]->text, all[i]->shape, o.hash_bits);
  }
  TrainResult result;
  double threshold = o.fixed_threshold;
  if (o.validation_folds >= 2) {
    const int repeats = std::max(1, o.validation_repeats);
    std::vector<ScoredPrompt> prompts;
    std::vector<std::pair<double, Tier>> tiers;
    std::vector<std::vector<ScoredPrompt>> per_run(repeats);
    std::vector<std::vector<ScoredPrompt>> extra(o.report_pairs.size());
    for (int run = 0; run < repeats; ++run) {
      const std::string salt =
          run == 0 ? o.validation_salt : o.validation_salt + "repeat-" + std::to_string(run) + ":";
      std::vector<double> scores = out_of_fold_scores(all, labelled, o, salt);
      if (run == 0) result.out_of_fold = scores;
      collect_scored(all, scores, pairs[0].strong, pairs[0].mini, per_run[run], &tiers);
      prompts.insert(prompts.end(), per_run[run].begin(), per_run[run].end());
      for (std::size_t k = 0; k < o.report_pairs.size(); ++k) {
        collect_scored(all, scores, data.model_id(o.report_pairs[k].first),
                       data.model_id(o.report_pairs[k].second), extra[k], nullptr);
      }
    }
    if (!prompts.empty()) {
      threshold = o.target_strong_share > 0
                      ? choose_threshold_for_share(prompts, o.target_strong_share)
                      : choose_threshold(prompts, o.target_pgr);
    }
    EvalReport report = evaluate_scores(std::move(prompts), tiers, threshold);
    report.strong_model = o.strong_model;
    report.mini_model = o.mini_model;
    result.validation = std::move(report);
    if (repeats > 1) {
      for (auto& run : per_run) {
        EvalReport r = evaluate_scores(std::move(run), {}, threshold);
        r.strong_model = o.strong_model;
        r.mini_model = o.mini_model;
        result.validation_runs.push_back(std::move(r));
      }
    }
    for (std::size_t k = 0; k < o.report_pairs.size(); ++k) {
      EvalReport r = evaluate_scores(std::move(extra[k]), {}, threshold);
      r.strong_model = o.report_pairs[k].first;
      r.mini_model = o.report_pairs[k].second;
      result.report_pair_validation.push_back(std::move(r));
    }
  }
  std::vector<std::size_t> every(all.size());
  for (std::size_t i = 0; i < every.size(); ++i) every[i] = i;
  result.model = fit(every, labelled, o, static_cast<float>(threshold));
  // Calibrate on the prompts the primary pair scores (user data with tier
  // labels: every labelled prompt); the threshold moves with the scale.
  std::vector<double> raw;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Record* rec = all[i];
    const bool primary = pairs[0].strong >= 0 && pairs[0].mini >= 0 &&
                         rec->score_of(static_cast<uint16_t>(pairs[0].strong)) &&
                         rec->score_of(static_cast<uint16_t>(pairs[0].mini));
    if (!primary) continue;
    raw.push_back(labelled[i].weight > 0
                      ? result.model.score(labelled[i].x)
                      : result.model.score(features(rec->text, rec->shape, o.hash_bits)));
  }
  if (raw.size() < 2) {
    raw.clear();
    for (const Labelled& l : labelled) {
      if (l.weight > 0) raw.push_back(result.model.score(l.x));
    }
  }
  result.model.calibrate_on(std::move(raw));
  const double calibrated = result.model.calibrate(threshold);
  result.model.set_default_threshold(static_cast<float>(calibrated));
  // The reports were measured at the raw threshold; they name it on the
  // model's (calibrated) scale, the one configs and explain use.
  if (result.validation) result.validation->default_threshold = calibrated;
  for (auto& r : result.validation_runs) r.default_threshold = calibrated;
  for (auto& r : result.report_pair_validation) r.default_threshold = calibrated;
  result.train_records = all.size();
  return result;
}

Expected<TrainResult, std::string> train(const TrainOptions& o) {
  auto data = read_jsonl(o.data_path);
  if (!data) return unexpected(data.error());
  return train(o, *data);
}

}  // namespace sy::classifier
