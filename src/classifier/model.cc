#include "classifier/model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "classifier/feature_hashing.h"

// Bounds of the model embedded by the generated builtin_model.S.
extern "C" const unsigned char sy_classifier_builtin_model_begin[];
extern "C" const unsigned char sy_classifier_builtin_model_end[];

namespace sy::classifier {
namespace {

constexpr char kMagic[8] = {'S', 'Y', 'R', 'O', 'U', 'T', 'E', 'R'};
constexpr uint32_t kMinHashBits = 10;
constexpr uint32_t kMaxHashBits = 24;

uint32_t fnv1a32(std::string_view bytes) {
  uint32_t h = 2166136261u;
  for (unsigned char c : bytes) h = (h ^ c) * 16777619u;
  return h;
}

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) {
    u8(v & 0xff);
    u8(v >> 8);
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void f32(float f) {
    uint32_t v;
    std::memcpy(&v, &f, 4);
    u32(v);
  }
  void varint(uint32_t v) {
    while (v >= 0x80) {
      u8(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    u8(static_cast<uint8_t>(v));
  }
  void str(const std::string& s) {
    const std::size_t n = std::min<std::size_t>(s.size(), 0xffff);
    u16(static_cast<uint16_t>(n));
    out_.append(s, 0, n);
  }
  void raw(std::string_view s) { out_.append(s); }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  std::size_t pos() const { return pos_; }
  uint8_t u8() {
    if (pos_ >= in_.size()) {
      ok_ = false;
      return 0;
    }
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint16_t u16() {
    uint16_t lo = u8();
    return static_cast<uint16_t>(lo | (u8() << 8));
  }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(u8()) << (8 * i);
    return v;
  }
  float f32() {
    uint32_t v = u32();
    float f;
    std::memcpy(&f, &v, 4);
    return f;
  }
  uint32_t varint() {
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      uint8_t b = u8();
      v |= static_cast<uint32_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    ok_ = false;
    return 0;
  }
  std::string str() {
    uint16_t n = u16();
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

}  // namespace

Model Model::from_parameters(const Parameters& p) {
  Model m;
  m.hash_bits_ = p.hash_bits;
  m.bias_ = p.bias;
  m.dense_mean_ = p.dense_mean;
  m.dense_inv_std_ = p.dense_inv_std;
  m.dense_weight_ = p.dense_weight;
  m.default_threshold_ = p.default_threshold;
  m.strong_model_ = p.strong_model;
  m.mini_model_ = p.mini_model;
  float max_abs = 0;
  for (float w : p.table) max_abs = std::max(max_abs, std::fabs(w));
  m.table_scale_ = max_abs > 0 ? max_abs / 32767.0f : 1.0f;
  m.table_.assign(std::size_t{1} << p.hash_bits, 0);
  for (std::size_t i = 0; i < p.table.size() && i < m.table_.size(); ++i) {
    m.table_[i] = static_cast<int16_t>(std::lround(p.table[i] / m.table_scale_));
  }
  return m;
}

std::size_t Model::nonzero_weights() const {
  return static_cast<std::size_t>(
      std::count_if(table_.begin(), table_.end(), [](int16_t q) { return q != 0; }));
}

std::string Model::serialize() const {
  Writer w;
  w.raw(std::string_view(kMagic, sizeof kMagic));
  w.u32(kModelFormatVersion);
  w.u32(kFeatureVersion);
  w.u32(hash_bits_);
  w.f32(default_threshold_);
  w.f32(bias_);
  w.f32(table_scale_);
  w.u32(kDenseCount);
  for (float v : dense_mean_) w.f32(v);
  for (float v : dense_inv_std_) w.f32(v);
  for (float v : dense_weight_) w.f32(v);
  w.str(strong_model_);
  w.str(mini_model_);
  w.u32(static_cast<uint32_t>(knots_.size()));
  for (float k : knots_) w.f32(k);
  w.u32(static_cast<uint32_t>(nonzero_weights()));
  uint32_t last = 0;
  for (uint32_t i = 0; i < table_.size(); ++i) {
    if (table_[i] == 0) continue;
    w.varint(i - last);
    last = i;
    w.u16(static_cast<uint16_t>(table_[i]));
  }
  w.u32(fnv1a32(w.bytes()));
  return std::move(w.bytes());
}

Expected<Model, std::string> Model::parse(std::string_view bytes) {
  if (bytes.size() < sizeof kMagic + 4 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return unexpected(std::string("not a router model file (bad magic)"));
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  Reader tail(bytes.substr(bytes.size() - 4));
  if (tail.u32() != fnv1a32(body)) return unexpected(std::string("model checksum mismatch"));
  Reader r(body.substr(sizeof kMagic));
  Model m;
  const uint32_t format = r.u32();
  if (format != kModelFormatVersion) {
    return unexpected("unsupported model format version " + std::to_string(format));
  }
  const uint32_t feature_version = r.u32();
  if (feature_version != kFeatureVersion) {
    return unexpected("model uses feature version " + std::to_string(feature_version) +
                      ", this build extracts version " + std::to_string(kFeatureVersion));
  }
  m.hash_bits_ = r.u32();
  if (m.hash_bits_ < kMinHashBits || m.hash_bits_ > kMaxHashBits) {
    return unexpected(std::string("model hash_bits out of range"));
  }
  m.default_threshold_ = r.f32();
  m.bias_ = r.f32();
  m.table_scale_ = r.f32();
  if (r.u32() != kDenseCount) return unexpected(std::string("model dense feature count differs"));
  for (float& v : m.dense_mean_) v = r.f32();
  for (float& v : m.dense_inv_std_) v = r.f32();
  for (float& v : m.dense_weight_) v = r.f32();
  m.strong_model_ = r.str();
  m.mini_model_ = r.str();
  const uint32_t knots = r.u32();
  if (knots > kMaxCalibrationKnots || knots == 1) {
    return unexpected(std::string("model calibration knot count out of range"));
  }
  for (uint32_t k = 0; k < knots && r.ok(); ++k) {
    const float v = r.f32();
    if (!std::isfinite(v) || (!m.knots_.empty() && v < m.knots_.back())) {
      return unexpected(std::string("model calibration knots not finite and non-decreasing"));
    }
    m.knots_.push_back(v);
  }
  const uint32_t nonzero = r.u32();
  if (!r.ok()) return unexpected(std::string("model file truncated"));
  m.table_.assign(std::size_t{1} << m.hash_bits_, 0);
  if (nonzero > m.table_.size()) return unexpected(std::string("model weight count too large"));
  uint64_t index = 0;
  for (uint32_t k = 0; k < nonzero && r.ok(); ++k) {
    index += r.varint();
    const auto q = static_cast<int16_t>(r.u16());
    if (index >= m.table_.size()) return unexpected(std::string("model weight index out of range"));
    m.table_[index] = q;
  }
  if (!r.ok()) return unexpected(std::string("model file truncated"));
  if (r.pos() != body.size() - sizeof kMagic) {
    return unexpected(std::string("trailing bytes in model file"));
  }
  if (!std::isfinite(m.bias_) || !std::isfinite(m.table_scale_) ||
      !std::isfinite(m.default_threshold_)) {
    return unexpected(std::string("model has non-finite parameters"));
  }
  return m;
}

Expected<Model, std::string> Model::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot open model file " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  auto model = parse(buf.str());
  if (!model) return unexpected(path + ": " + model.error());
  return model;
}

Expected<bool, std::string> Model::save(const std::string& path) const {
  const std::string bytes = serialize();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return unexpected("cannot write model file " + path);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return unexpected("error writing model file " + path);
  return true;
}

const Model& Model::builtin() {
  static const Model model = [] {
    const std::string_view bytes(reinterpret_cast<const char*>(sy_classifier_builtin_model_begin),
                                 static_cast<std::size_t>(sy_classifier_builtin_model_end -
                                                          sy_classifier_builtin_model_begin));
    auto parsed = parse(bytes);
    if (!parsed) {
      std::fprintf(stderr, "switchyard: embedded router model is corrupt: %s\n",
                   parsed.error().c_str());
      std::abort();
    }
    return std::move(parsed).value();
  }();
  return model;
}

double Model::finish(double sparse_sum, const std::array<float, kDenseCount>& dense) const {
  double z = bias_ + sparse_sum;
  for (uint32_t d = 0; d < kDenseCount; ++d) {
    z += static_cast<double>(dense_weight_[d]) * ((dense[d] - dense_mean_[d]) * dense_inv_std_[d]);
  }
  return calibrate(sigmoid(z));
}

double Model::calibrate(double raw) const {
  if (knots_.size() < 2) return raw;
  if (raw <= knots_.front()) return 0.0;
  if (raw >= knots_.back()) return 1.0;
  // The last knot <= raw, then interpolate towards the next one.
  const auto above = std::upper_bound(knots_.begin(), knots_.end(), static_cast<float>(raw));
  const auto i = static_cast<std::size_t>(above - knots_.begin()) - 1;
  const double lo = knots_[i], hi = knots_[i + 1];
  const double frac = hi > lo ? std::clamp((raw - lo) / (hi - lo), 0.0, 1.0) : 0.0;
  return (static_cast<double>(i) + frac) / static_cast<double>(knots_.size() - 1);
}

void Model::calibrate_on(std::vector<double> raw_scores, uint32_t steps) {
  knots_.clear();
  steps = std::clamp<uint32_t>(steps, 1, kMaxCalibrationKnots - 1);
  if (raw_scores.size() < 2) return;
  std::sort(raw_scores.begin(), raw_scores.end());
  const double last = static_cast<double>(raw_scores.size() - 1);
  for (uint32_t k = 0; k <= steps; ++k) {
    const auto at = static_cast<std::size_t>(std::llround(last * k / steps));
    knots_.push_back(static_cast<float>(raw_scores[at]));
  }
}

double Model::linear(std::string_view text, const RequestShape& shape) const {
  if (table_.empty()) return 0.5;
  std::array<int64_t, detail::kNamespaceCount> sums{};
  std::array<uint32_t, detail::kNamespaceCount> counts{};
  std::array<float, kDenseCount> dense{};
  const int16_t* table = table_.data();
  detail::visit_text(text, shape, hash_bits_, dense, [&](uint32_t ns, uint32_t index) {
    sums[ns] += table[index];
    ++counts[ns];
  });
  double sparse = 0;
  for (uint32_t ns = 0; ns < detail::kNamespaceCount; ++ns) {
    if (counts[ns]) {
      sparse += static_cast<double>(sums[ns]) / std::sqrt(static_cast<double>(counts[ns]));
    }
  }
  return finish(sparse * table_scale_, dense);
}

double Model::score(std::string_view text, const RequestShape& shape) const {
  return linear(text, shape);
}

double Model::score(simdjson::dom::object request) const {
  thread_local std::string text;
  text.clear();
  RequestShape shape;
  simdjson::dom::array messages;
  if (request["messages"].get_array().get(messages) == simdjson::SUCCESS) {
    collect_messages(messages, text, shape);
  } else {
    shape.messages = 0;
  }
  simdjson::dom::array tools;
  if (request["tools"].get_array().get(tools) == simdjson::SUCCESS) {
    shape.tools = static_cast<uint32_t>(tools.size());
  }
  const double s = linear(text, shape);
  if (text.capacity() > 4 * kMaxTextBytes) std::string().swap(text);
  return s;
}

double Model::score(const FeatureVector& x) const {
  if (table_.empty()) return 0.5;
  double sparse = 0;
  for (const SparseFeature& f : x.sparse) {
    if (f.index < table_.size()) sparse += static_cast<double>(f.value) * table_[f.index];
  }
  return finish(sparse * table_scale_, x.dense);
}

}  // namespace sy::classifier
