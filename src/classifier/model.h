// The router model: a logistic regression over hashed text features and
// standardised structural features, whose output (how likely the strong tier
// is needed: the mini tier's answer would be worse) is calibrated to a
// percentile: score() is the share of the training prompts that score lower
// (0.64 = harder than 64% of them). A threshold t therefore sends about
// 1 - t of traffic like the training prompts to the strong tier, and equal
// bands of [threshold, 1] hold equal shares of it. Requests scoring >=
// default_threshold() should go to the strong tier. A model without
// calibration knots (built by training before calibration) scores raw.
//
// Ownership and threads: a Model is an immutable value once built or loaded;
// const methods are thread-safe and allocate at most one bounded text buffer.
// Errors (unreadable or corrupt files) are returned as values, never thrown.
//
// File format (little-endian, version 2):
//   "SYROUTER" | u32 format_version | u32 feature_version | u32 hash_bits
//   | f32 default_threshold | f32 bias | f32 table_scale
//   | u32 dense_count | f32 mean[dense] | f32 inv_std[dense] | f32 weight[dense]
//   | u16 len + strong model name | u16 len + mini model name
//   | u32 knots | f32 knot[knots] (raw scores at evenly spaced percentiles,
//     non-decreasing; 0 knots = uncalibrated)
//   | u32 nonzero | nonzero x (varint index delta, i16 weight)
//   | u32 FNV-1a checksum of everything before it
#pragma once

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "classifier/features.h"
#include "util/expected.h"

namespace sy::classifier {

inline constexpr uint32_t kModelFormatVersion = 2;
// At most this many calibration knots (percentile steps + 1).
inline constexpr uint32_t kMaxCalibrationKnots = 1001;

class Model {
 public:
  Model() = default;

  // Reads a model file; errors name the problem (missing file, bad magic,
  // unsupported version, truncated, checksum mismatch).
  static Expected<Model, std::string> load(const std::string& path);
  static Expected<Model, std::string> parse(std::string_view bytes);
  // The model embedded at build time (models/router-default.bin). Parsed once;
  // aborts at start-up if the embedded bytes are corrupt (a build defect).
  static const Model& builtin();

  std::string serialize() const;
  Expected<bool, std::string> save(const std::string& path) const;

  // Scores in [0, 1]; higher means the strong tier is more likely needed.
  double score(simdjson::dom::object request) const;
  double score(std::string_view text, const RequestShape& shape = {}) const;
  double score(const FeatureVector& x) const;

  double default_threshold() const { return default_threshold_; }
  bool needs_strong(double score) const { return score >= default_threshold_; }
  uint32_t hash_bits() const { return hash_bits_; }
  const std::string& strong_model() const { return strong_model_; }
  const std::string& mini_model() const { return mini_model_; }
  std::size_t nonzero_weights() const;

  // Builders used by training.
  struct Parameters {
    uint32_t hash_bits = 17;
    float bias = 0;
    std::vector<float> table;  // 2^hash_bits weights
    std::array<float, kDenseCount> dense_mean{};
    std::array<float, kDenseCount> dense_inv_std{};
    std::array<float, kDenseCount> dense_weight{};
    float default_threshold = 0.5f;
    std::string strong_model;
    std::string mini_model;
  };
  // Quantises the table to int16 (the stored precision), so a trained model
  // scores exactly like the same model after save + load.
  static Model from_parameters(const Parameters& p);
  void set_default_threshold(float t) { default_threshold_ = t; }
  // Raw score -> percentile in [0, 1] by linear interpolation between the
  // knots (identity without knots). Non-decreasing.
  double calibrate(double raw) const;
  // Sets the knots from raw training scores (any order): `steps` + 1 evenly
  // spaced quantiles. Fewer than 2 scores leave the model uncalibrated.
  void calibrate_on(std::vector<double> raw_scores, uint32_t steps = 100);
  const std::vector<float>& calibration_knots() const { return knots_; }

 private:
  double linear(std::string_view text, const RequestShape& shape) const;
  double finish(double sparse_sum, const std::array<float, kDenseCount>& dense) const;

  uint32_t hash_bits_ = 0;
  float bias_ = 0;
  float table_scale_ = 0;
  std::vector<int16_t> table_;
  std::array<float, kDenseCount> dense_mean_{};
  std::array<float, kDenseCount> dense_inv_std_{};
  std::array<float, kDenseCount> dense_weight_{};
  float default_threshold_ = 0.5f;
  std::string strong_model_;
  std::string mini_model_;
  std::vector<float> knots_;  // empty: uncalibrated
};

}  // namespace sy::classifier
