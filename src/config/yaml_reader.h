// Typed, path-aware access to a yaml-cpp tree for the config loader. Every
// problem is recorded as "file:line:col: path: message" and reading goes on,
// so one run reports all errors. Scalars pass through ${VAR} interpolation.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sy::config {

class YamlReader {
 public:
  explicit YamlReader(std::string source) : source_(std::move(source)) {}

  // Records an error at `node` (whose position is used) for key path `path`.
  void error(const YAML::Node& node, std::string_view path, std::string_view message);
  const std::vector<std::string>& errors() const { return errors_; }
  // Every error, one per line, in the order found.
  std::string joined_errors() const {
    std::string all;
    for (const auto& e : errors_) {
      if (!all.empty()) all += '\n';
      all += e;
    }
    return all;
  }

  // Checks that `node` is a mapping whose keys are all in `allowed`.
  bool expect_map(const YAML::Node& node, std::string_view path,
                  std::initializer_list<std::string_view> allowed);

  // Scalar readers: return nullopt (and record an error) on a wrong type.
  // Absent keys are not errors: the caller keeps its default.
  std::optional<std::string> string(const YAML::Node& node, std::string_view path);
  std::optional<int64_t> integer(const YAML::Node& node, std::string_view path, int64_t min,
                                 int64_t max);
  std::optional<bool> boolean(const YAML::Node& node, std::string_view path);
  // "1500" milliseconds, or with a unit: "250ms", "5s", "2m".
  std::optional<std::chrono::milliseconds> duration(const YAML::Node& node, std::string_view path);
  // Bytes, or with a unit: "512KiB", "8MiB", "1GiB".
  std::optional<int64_t> size(const YAML::Node& node, std::string_view path);

 private:
  std::optional<std::string> raw_scalar(const YAML::Node& node, std::string_view path);
  std::string source_;
  std::vector<std::string> errors_;
};

}  // namespace sy::config
