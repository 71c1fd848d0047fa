#include "classifier/evaluate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace sy::classifier {
namespace {

struct Curve {
  // Boundary points: routing the top k prompts (k at score-tie boundaries).
  std::vector<CurvePoint> points;
  double strong_mean = 0, mini_mean = 0, oracle_mean = 0;
};

double pgr_of(double quality, double strong, double mini) {
  const double gap = strong - mini;
  if (std::fabs(gap) < 1e-12) return 0;
  return (quality - mini) / gap;
}

// Sorts prompts by descending score and walks the tie boundaries (a threshold
// routes a whole tie block or none of it).
Curve build_curve(std::vector<ScoredPrompt>& prompts) {
  Curve c;
  const std::size_t n = prompts.size();
  if (n == 0) return c;
  std::stable_sort(
      prompts.begin(), prompts.end(),
      [](const ScoredPrompt& a, const ScoredPrompt& b) { return a.router_score > b.router_score; });
  double mini_sum = 0, strong_sum = 0, oracle_sum = 0;
  for (const auto& p : prompts) {
    mini_sum += p.mini_quality;
    strong_sum += p.strong_quality;
    oracle_sum += std::max(p.mini_quality, p.strong_quality);
  }
  c.strong_mean = strong_sum / n;
  c.mini_mean = mini_sum / n;
  c.oracle_mean = oracle_sum / n;
  auto point = [&](std::size_t k, double gain, double threshold) {
    CurvePoint pt;
    pt.threshold = threshold;
    pt.strong_share = static_cast<double>(k) / n;
    pt.quality = (mini_sum + gain) / n;
    pt.pgr = pgr_of(pt.quality, c.strong_mean, c.mini_mean);
    pt.retained = c.strong_mean > 0 ? pt.quality / c.strong_mean : 0;
    return pt;
  };
  c.points.push_back(point(0, 0, std::nextafter(prompts[0].router_score, 2.0)));
  double gain = 0;
  for (std::size_t k = 0; k < n; ++k) {
    gain += prompts[k].strong_quality - prompts[k].mini_quality;
    if (k + 1 < n && prompts[k + 1].router_score == prompts[k].router_score) continue;
    const double next = k + 1 < n ? prompts[k + 1].router_score : -1.0;
    const double threshold =
        k + 1 < n ? 0.5 * (prompts[k].router_score + next) : prompts[k].router_score;
    c.points.push_back(point(k + 1, gain, threshold));
  }
  return c;
}

}  // namespace

double choose_threshold(std::vector<ScoredPrompt> prompts, double target_pgr) {
  Curve c = build_curve(prompts);
  for (const auto& p : c.points) {
    if (p.strong_share > 0 && p.pgr >= target_pgr) return p.threshold;
  }
  return 1.0;
}

double choose_threshold_for_share(std::vector<ScoredPrompt> prompts, double share) {
  Curve c = build_curve(prompts);
  if (c.points.size() < 2) return 1.0;
  double threshold = c.points[1].threshold;
  for (const auto& p : c.points) {
    if (p.strong_share > 0 && p.strong_share <= share + 1e-12) threshold = p.threshold;
  }
  return threshold;
}

EvalReport evaluate_scores(std::vector<ScoredPrompt> prompts,
                           const std::vector<std::pair<double, Tier>>& tier_prompts,
                           double threshold) {
  EvalReport r;
  r.default_threshold = threshold;
  r.scored_prompts = prompts.size();
  std::size_t strong_right = 0, mini_right = 0;
  auto count = [&](double score, bool strong_tier) {
    const bool routed_strong = score >= threshold;
    if (strong_tier) {
      ++r.strong_tier;
      strong_right += routed_strong;
    } else {
      ++r.mini_tier;
      mini_right += !routed_strong;
    }
  };
  for (const auto& p : prompts) count(p.router_score, p.strong_quality > p.mini_quality);
  for (const auto& [score, tier] : tier_prompts) {
    if (tier != Tier::kUnknown) count(score, tier == Tier::kStrong);
  }
  r.strong_tier_accuracy = r.strong_tier ? static_cast<double>(strong_right) / r.strong_tier : 0;
  r.mini_tier_accuracy = r.mini_tier ? static_cast<double>(mini_right) / r.mini_tier : 0;
  const std::size_t labelled = r.strong_tier + r.mini_tier;
  r.accuracy = labelled ? static_cast<double>(strong_right + mini_right) / labelled : 0;
  if (prompts.empty()) return r;

  const std::size_t n = prompts.size();
  double gain_at_default = 0;
  std::size_t routed_at_default = 0;
  for (const auto& p : prompts) {
    if (p.router_score >= threshold) {
      gain_at_default += p.strong_quality - p.mini_quality;
      ++routed_at_default;
    }
  }
  Curve c = build_curve(prompts);
  r.strong_mean = c.strong_mean;
  r.mini_mean = c.mini_mean;
  r.oracle_mean = c.oracle_mean;
  r.at_default.threshold = threshold;
  r.at_default.strong_share = static_cast<double>(routed_at_default) / n;
  r.at_default.quality = c.mini_mean + gain_at_default / n;
  r.at_default.pgr = pgr_of(r.at_default.quality, c.strong_mean, c.mini_mean);
  r.at_default.retained = c.strong_mean > 0 ? r.at_default.quality / c.strong_mean : 0;

  // APGR: area under PGR over strong-call share (step curve between boundaries,
  // linear interpolation inside a tie block).
  double area = 0;
  for (std::size_t i = 1; i < c.points.size(); ++i) {
    const auto& a = c.points[i - 1];
    const auto& b = c.points[i];
    area += (b.strong_share - a.strong_share) * 0.5 * (a.pgr + b.pgr);
  }
  r.apgr = area;
  // CPT: the least share reaching the level.
  r.cpt50 = r.cpt80 = 1.0;
  bool got50 = false, got80 = false;
  for (const auto& p : c.points) {
    if (!got50 && p.pgr >= 0.5) r.cpt50 = p.strong_share, got50 = true;
    if (!got80 && p.pgr >= 0.8) r.cpt80 = p.strong_share, got80 = true;
  }
  for (int step = 0; step <= 10; ++step) {
    const double limit = step / 10.0 + 1e-12;
    const CurvePoint* best = &c.points.front();
    for (const auto& p : c.points) {
      if (p.strong_share <= limit) best = &p;
    }
    r.table.push_back(*best);
  }
  return r;
}

EvalReport evaluate(const Model& model, const std::vector<const Record*>& records,
                    const std::vector<std::string>& model_names, const std::string& strong_model,
                    const std::string& mini_model, double threshold) {
  int strong_id = -1, mini_id = -1;
  for (std::size_t i = 0; i < model_names.size(); ++i) {
    if (model_names[i] == strong_model) strong_id = static_cast<int>(i);
    if (model_names[i] == mini_model) mini_id = static_cast<int>(i);
  }
  std::vector<ScoredPrompt> prompts;
  std::vector<std::pair<double, Tier>> tiers;
  for (const Record* rec : records) {
    std::optional<float> s, m;
    if (strong_id >= 0 && mini_id >= 0) {
      s = rec->score_of(static_cast<uint16_t>(strong_id));
      m = rec->score_of(static_cast<uint16_t>(mini_id));
    }
    if (s && m) {
      prompts.push_back({model.score(rec->text, rec->shape), *s, *m});
    } else if (rec->tier != Tier::kUnknown) {
      tiers.emplace_back(model.score(rec->text, rec->shape), rec->tier);
    }
  }
  EvalReport r = evaluate_scores(std::move(prompts), tiers, threshold);
  r.strong_model = strong_model;
  r.mini_model = mini_model;
  return r;
}

EvalReport evaluate(const Model& model, const Dataset& data, const std::string& strong_model,
                    const std::string& mini_model) {
  std::vector<const Record*> records;
  records.reserve(data.records.size());
  for (const auto& rec : data.records) records.push_back(&rec);
  return evaluate(model, records, data.models, strong_model, mini_model, model.default_threshold());
}

std::string format_report(const EvalReport& r) {
  std::string out;
  if (r.scored_prompts > 0) {
    out += fmt::format("pair: strong={} mini={}  prompts scored by both: {}\n", r.strong_model,
                       r.mini_model, r.scored_prompts);
    out += fmt::format("mean quality: strong {:.4f}  mini {:.4f}  oracle {:.4f}\n", r.strong_mean,
                       r.mini_mean, r.oracle_mean);
    out += "strong calls  threshold  quality  retained    PGR\n";
    for (const auto& p : r.table) {
      out += fmt::format("   {:6.1f}%   {:9.4f}  {:7.4f}  {:7.2f}%  {:6.3f}\n",
                         100 * p.strong_share, p.threshold, p.quality, 100 * p.retained, p.pgr);
    }
    const auto& d = r.at_default;
    out += fmt::format(
        "default threshold {:.4f}: strong calls {:.1f}%  quality {:.4f}  retained {:.2f}%  "
        "PGR {:.3f}\n",
        r.default_threshold, 100 * d.strong_share, d.quality, 100 * d.retained, d.pgr);
    out += fmt::format(
        "APGR {:.3f}  CPT(50%) {:.1f}%  CPT(80%) {:.1f}%  (random: APGR 0.500, "
        "CPT(50%) 50.0%, CPT(80%) 80.0%)\n",
        r.apgr, 100 * r.cpt50, 100 * r.cpt80);
  }
  out += fmt::format(
      "tier accuracy at default threshold: strong tier {:.1f}% (n={})  mini tier {:.1f}% (n={})  "
      "overall {:.1f}%\n",
      100 * r.strong_tier_accuracy, r.strong_tier, 100 * r.mini_tier_accuracy, r.mini_tier,
      100 * r.accuracy);
  return out;
}

}  // namespace sy::classifier
