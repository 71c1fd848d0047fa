#include "emulator/scenario.h"

#include <charconv>

namespace sy::emulator {
namespace {

constexpr int kMaxMs = 3'600'000;

bool parse_int(std::string_view v, int lo, int hi, int& out) {
  int n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi) return false;
  out = n;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string percent_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string take_path_scenario(std::string& path) {
  constexpr std::string_view kPrefix = "/_s/";
  if (path.compare(0, kPrefix.size(), kPrefix) != 0) return {};
  std::size_t end = path.find('/', kPrefix.size());
  std::string segment = path.substr(
      kPrefix.size(), end == std::string::npos ? std::string::npos : end - kPrefix.size());
  path = end == std::string::npos ? "/" : path.substr(end);
  return percent_decode(segment);
}

bool parse_scenario(std::string_view text, Scenario& out, std::string& error) {
  out.text = std::string(text);
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find_first_of(",;", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    std::string_view key = trim(item.substr(0, eq));
    std::string_view value = eq == std::string_view::npos ? "1" : trim(item.substr(eq + 1));
    int n = 0;
    auto want_int = [&](int lo, int hi) {
      if (parse_int(value, lo, hi, n)) return true;
      error = "scenario key '" + std::string(key) + "' needs an integer in [" + std::to_string(lo) +
              ", " + std::to_string(hi) + "]";
      return false;
    };
    auto want_flag = [&](bool& flag) {
      if (!want_int(0, 1)) return false;
      flag = n == 1;
      return true;
    };
    if (key == "latency") {
      if (!want_int(0, kMaxMs)) return false;
      out.latency_ms = n;
    } else if (key == "ttft") {
      if (!want_int(0, kMaxMs)) return false;
      out.ttft_ms = n;
    } else if (key == "gap") {
      if (!want_int(0, kMaxMs)) return false;
      out.gap_ms = n;
    } else if (key == "tokens") {
      if (!want_int(0, 100'000)) return false;
      out.tokens = n;
    } else if (key == "status") {
      if (!want_int(100, 599)) return false;
      out.status = n;
    } else if (key == "retry_after") {
      if (!want_int(0, 86'400)) return false;
      out.retry_after = n;
    } else if (key == "reset_ms") {
      if (!want_int(0, 86'400'000)) return false;
      out.reset_ms = n;
    } else if (key == "every") {
      if (!want_int(1, 1'000'000)) return false;
      out.every = n;
    } else if (key == "times") {
      if (!want_int(0, 1'000'000'000)) return false;
      out.times = n;
    } else if (key == "hang") {
      if (!want_flag(out.hang)) return false;
    } else if (key == "drop_after") {
      if (!want_int(0, 1'000'000)) return false;
      out.drop_after = n;
    } else if (key == "malformed") {
      if (!want_flag(out.malformed)) return false;
    } else if (key == "error_event") {
      if (!want_int(0, 1'000'000)) return false;
      out.error_event = n;
    } else if (key == "tool") {
      if (!want_flag(out.tool)) return false;
    } else if (key == "context") {
      if (!want_flag(out.context)) return false;
    } else if (key == "finish") {
      if (value == "length") {
        out.finish = FinishOverride::kLength;
      } else if (value == "content_filter" || value == "safety") {
        out.finish = FinishOverride::kContentFilter;
      } else if (value == "stop_sequence" || value == "stop") {
        out.finish = value == "stop" ? FinishOverride::kNone : FinishOverride::kStopSequence;
      } else {
        error = "scenario key 'finish' takes length|content_filter|safety|stop_sequence";
        return false;
      }
    } else if (key == "tag") {
      out.tag = std::string(value);
    } else {
      error = "unknown scenario key '" + std::string(key) + "'";
      return false;
    }
  }
  return true;
}

int64_t ScenarioCounters::next(const std::string& key) {
  std::lock_guard lock(mu_);
  return ++counts_[key];
}

void ScenarioCounters::reset() {
  std::lock_guard lock(mu_);
  counts_.clear();
}

}  // namespace sy::emulator
