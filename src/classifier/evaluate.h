// RouteLLM-style evaluation of a router model on labelled data.
//
// For a (strong, mini) model pair and the records that score both, prompts
// scoring >= a threshold go to the strong model. Over all thresholds we report
// the share of strong calls against the mean quality of the routed-to model,
// PGR = (routed - mini) / (strong - mini), APGR (area under PGR vs share),
// CPT(50%) / CPT(80%) (least share reaching that PGR), quality retained =
// routed / strong, and accuracy per tier (strong tier = strong scored strictly
// higher than mini; records with a `tier` label count with that label).
// Pure functions; no I/O except format_report() building a string.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "classifier/dataset.h"
#include "classifier/model.h"

namespace sy::classifier {

struct CurvePoint {
  double threshold = 0;     // route to strong when score >= threshold
  double strong_share = 0;  // fraction of prompts sent to strong
  double quality = 0;       // mean quality of the routed-to model
  double pgr = 0;           // performance gap recovered
  double retained = 0;      // quality / strong mean
};

struct EvalReport {
  std::string strong_model;
  std::string mini_model;
  std::size_t scored_prompts = 0;  // records scoring both models
  double strong_mean = 0;
  double mini_mean = 0;
  double oracle_mean = 0;  // max(strong, mini) per prompt
  double default_threshold = 0;
  CurvePoint at_default;
  std::vector<CurvePoint> table;  // at most 0%, 10%, ..., 100% strong calls
  double apgr = 0;
  double cpt50 = 1;  // least strong-call share with PGR >= 0.5
  double cpt80 = 1;
  // Tier accuracy at the default threshold.
  std::size_t strong_tier = 0, mini_tier = 0;
  double strong_tier_accuracy = 0, mini_tier_accuracy = 0, accuracy = 0;
};

// One prompt for score-level evaluation.
struct ScoredPrompt {
  double router_score = 0;
  double strong_quality = 0;
  double mini_quality = 0;
};

EvalReport evaluate(const Model& model, const Dataset& data, const std::string& strong_model,
                    const std::string& mini_model);
EvalReport evaluate(const Model& model, const std::vector<const Record*>& records,
                    const std::vector<std::string>& model_names, const std::string& strong_model,
                    const std::string& mini_model, double threshold);

// The curve from precomputed scores (and optional extra tier-labelled prompts:
// router score, true tier).
EvalReport evaluate_scores(std::vector<ScoredPrompt> prompts,
                           const std::vector<std::pair<double, Tier>>& tier_prompts,
                           double threshold);

// The threshold reaching `target_pgr` with the fewest strong calls: midway
// between the lowest routed score and the next score. 1.0 when unreachable.
double choose_threshold(std::vector<ScoredPrompt> prompts, double target_pgr);

// The threshold routing the largest strong-call share not above `share`
// (at least one tie block). 1.0 when there are no prompts.
double choose_threshold_for_share(std::vector<ScoredPrompt> prompts, double share);

std::string format_report(const EvalReport& report);

}  // namespace sy::classifier
