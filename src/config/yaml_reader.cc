#include "config/yaml_reader.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>

#include "config/loader.h"

namespace sy::config {

void YamlReader::error(const YAML::Node& node, std::string_view path, std::string_view message) {
  YAML::Mark m = node.Mark();
  if (m.is_null()) {
    errors_.push_back(fmt::format("{}: {}: {}", source_, path, message));
  } else {
    errors_.push_back(fmt::format("{}:{}:{}: {}: {}", source_, m.line + 1, m.column + 1, path, message));
  }
}

bool YamlReader::expect_map(const YAML::Node& node, std::string_view path,
                            std::initializer_list<std::string_view> allowed) {
  if (!node.IsMap()) {
    error(node, path, "expected a mapping");
    return false;
  }
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) {
      std::string list;
      for (std::string_view a : allowed) {
        if (!list.empty()) list += ", ";
        list += a;
      }
      error(kv.first, path.empty() ? key : fmt::format("{}.{}", path, key),
            fmt::format("unknown key '{}' (expected one of: {})", key, list));
    }
  }
  return true;
}

std::optional<std::string> YamlReader::raw_scalar(const YAML::Node& node, std::string_view path) {
  if (!node.IsScalar()) {
    error(node, path, "expected a single value");
    return std::nullopt;
  }
  auto value = interpolate_env(node.Scalar());
  if (!value) {
    error(node, path, value.error());
    return std::nullopt;
  }
  return std::move(value.value());
}

std::optional<std::string> YamlReader::string(const YAML::Node& node, std::string_view path) {
  return raw_scalar(node, path);
}

std::optional<int64_t> YamlReader::integer(const YAML::Node& node, std::string_view path,
                                           int64_t min, int64_t max) {
  auto s = raw_scalar(node, path);
  if (!s) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size()) {
    error(node, path, fmt::format("expected an integer, got '{}'", *s));
    return std::nullopt;
  }
  if (v < min || v > max) {
    error(node, path, fmt::format("expected an integer from {} to {}, got {}", min, max, v));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& node, std::string_view path) {
  auto s = raw_scalar(node, path);
  if (!s) return std::nullopt;
  if (*s == "true" || *s == "yes" || *s == "on") return true;
  if (*s == "false" || *s == "no" || *s == "off") return false;
  error(node, path, fmt::format("expected true or false, got '{}'", *s));
  return std::nullopt;
}

namespace {
// Longest accepted duration: 100 years, far beyond any sane timeout.
constexpr int64_t kMaxMillis = int64_t{100} * 365 * 24 * 3600 * 1000;

// Splits "250ms" into number and unit.
bool split_number(std::string_view s, int64_t& n, std::string_view& unit) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p == s.data() || n < 0) return false;
  unit = std::string_view(p, s.data() + s.size() - p);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return true;
}
}  // namespace

std::optional<std::chrono::milliseconds> YamlReader::duration(const YAML::Node& node,
                                                              std::string_view path) {
  auto s = raw_scalar(node, path);
  if (!s) return std::nullopt;
  int64_t n = 0;
  std::string_view unit;
  if (split_number(*s, n, unit)) {
    int64_t scale = 0;
    if (unit.empty() || unit == "ms") scale = 1;
    if (unit == "s") scale = 1000;
    if (unit == "m") scale = 60'000;
    // The bound keeps n * scale (and later clock arithmetic) from overflowing.
    if (scale != 0 && n <= kMaxMillis / scale) return std::chrono::milliseconds(n * scale);
  }
  error(node, path, fmt::format("expected a duration such as 1500, 250ms, 5s or 2m, got '{}'", *s));
  return std::nullopt;
}

std::optional<int64_t> YamlReader::size(const YAML::Node& node, std::string_view path) {
  auto s = raw_scalar(node, path);
  if (!s) return std::nullopt;
  int64_t n = 0;
  std::string_view unit;
  if (split_number(*s, n, unit)) {
    int shift = -1;
    if (unit.empty() || unit == "B") shift = 0;
    if (unit == "KiB" || unit == "KB" || unit == "k") shift = 10;
    if (unit == "MiB" || unit == "MB" || unit == "M") shift = 20;
    if (unit == "GiB" || unit == "GB" || unit == "G") shift = 30;
    if (shift >= 0 && n <= (INT64_MAX >> shift)) return n << shift;
  }
  error(node, path, fmt::format("expected a size such as 65536, 512KiB or 8MiB, got '{}'", *s));
  return std::nullopt;
}

}  // namespace sy::config
