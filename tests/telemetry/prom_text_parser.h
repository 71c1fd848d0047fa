// A strict parser of the Prometheus text exposition format 0.0.4, for tests.
// It rejects anything the format does not allow (bad names, escapes, values,
// duplicate series, TYPE after samples, non-contiguous families, histograms
// whose buckets are not cumulative or lack le="+Inf", _count != +Inf bucket,
// invalid UTF-8) and returns the first problem with its line number.
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/utf8.h"

namespace sy::telemetry::testing {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Family {
  std::string type = "untyped";
  std::string help;
  bool has_help = false;
  bool has_type = false;
  std::vector<Sample> samples;
};

struct ParseResult {
  std::string error;  // empty on success
  std::map<std::string, Family> families;
  std::vector<std::string> family_order;

  bool ok() const { return error.empty(); }
  // Value of the sample with exactly these labels, or nullopt.
  std::optional<double> value(const std::string& family, const std::string& sample_name,
                              const std::map<std::string, std::string>& labels) const {
    auto f = families.find(family);
    if (f == families.end()) return std::nullopt;
    for (const Sample& s : f->second.samples) {
      if (s.name == sample_name && s.labels == labels) return s.value;
    }
    return std::nullopt;
  }
};

namespace detail {

inline bool name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
inline bool name_char(char c) {
  return name_start(c) || std::isdigit(static_cast<unsigned char>(c));
}
inline bool label_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
inline bool label_char(char c) {
  return label_start(c) || std::isdigit(static_cast<unsigned char>(c));
}

inline bool valid_metric_name(std::string_view s) {
  if (s.empty() || !name_start(s[0])) return false;
  for (char c : s)
    if (!name_char(c)) return false;
  return true;
}

inline std::optional<double> parse_float(std::string_view s) {
  if (s == "+Inf" || s == "Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  if (s == "NaN") return NAN;
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
          c == '+' || c == '-')) {
      return std::nullopt;
    }
  }
  std::string tmp(s);
  char* end = nullptr;
  double v = std::strtod(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size()) return std::nullopt;
  return v;
}

inline bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = utf8_char_length(s.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// The family a sample name belongs to, given the declared families.
inline std::string family_of(const std::string& sample, const std::map<std::string, Family>& fams) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (sample.size() > suffix.size() &&
        sample.compare(sample.size() - suffix.size(), suffix.size(), suffix) == 0) {
      std::string base = sample.substr(0, sample.size() - suffix.size());
      auto it = fams.find(base);
      if (it != fams.end() && (it->second.type == "histogram" || it->second.type == "summary")) {
        return base;
      }
    }
  }
  return sample;
}

}  // namespace detail

inline ParseResult parse_exposition(std::string_view text) {
  using namespace detail;
  ParseResult r;
  std::string current;           // family of the previous sample
  std::set<std::string> closed;  // families whose samples ended
  std::set<std::string> seen_series;
  auto fail = [&](std::size_t line_no, const std::string& why) {
    r.error = "line " + std::to_string(line_no) + ": " + why;
    return r;
  };
  if (!valid_utf8(text)) return fail(0, "invalid UTF-8");
  if (!text.empty() && text.back() != '\n') return fail(0, "last line not terminated by \\n");
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::string_view rest = line.substr(1);
      if (rest.substr(0, 6) != " HELP " && rest.substr(0, 6) != " TYPE ") continue;  // comment
      bool is_help = rest.substr(0, 6) == " HELP ";
      rest.remove_prefix(6);
      std::size_t sp = rest.find(' ');
      std::string name(rest.substr(0, sp));
      if (!valid_metric_name(name)) return fail(line_no, "bad metric name in HELP/TYPE");
      std::string_view arg =
          sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
      Family& f = r.families[name];
      if (std::find(r.family_order.begin(), r.family_order.end(), name) == r.family_order.end()) {
        r.family_order.push_back(name);
      }
      if (closed.count(name) || current == name) {
        if (!f.samples.empty()) return fail(line_no, "HELP/TYPE after samples of " + name);
      }
      if (is_help) {
        if (f.has_help) return fail(line_no, "second HELP for " + name);
        std::string help;
        for (std::size_t i = 0; i < arg.size(); ++i) {
          if (arg[i] == '\\') {
            if (i + 1 >= arg.size()) return fail(line_no, "dangling escape in HELP");
            char e = arg[++i];
            if (e == '\\')
              help += '\\';
            else if (e == 'n')
              help += '\n';
            else
              return fail(line_no, "bad escape in HELP");
          } else {
            help += arg[i];
          }
        }
        f.help = help;
        f.has_help = true;
      } else {
        if (f.has_type) return fail(line_no, "second TYPE for " + name);
        if (arg != "counter" && arg != "gauge" && arg != "histogram" && arg != "summary" &&
            arg != "untyped") {
          return fail(line_no, "unknown type");
        }
        f.type = std::string(arg);
        f.has_type = true;
      }
      continue;
    }
    // Sample line.
    Sample s;
    std::size_t i = 0;
    while (i < line.size() && name_char(line[i])) ++i;
    s.name = std::string(line.substr(0, i));
    if (!valid_metric_name(s.name)) return fail(line_no, "bad sample name");
    if (i < line.size() && line[i] == '{') {
      ++i;
      for (;;) {
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        std::size_t start = i;
        if (i >= line.size() || !label_start(line[i])) return fail(line_no, "bad label name");
        while (i < line.size() && label_char(line[i])) ++i;
        std::string lname(line.substr(start, i - start));
        if (lname.rfind("__", 0) == 0) return fail(line_no, "reserved label name");
        if (i >= line.size() || line[i] != '=') return fail(line_no, "expected =");
        ++i;
        if (i >= line.size() || line[i] != '"') return fail(line_no, "expected quote");
        ++i;
        std::string value;
        for (;;) {
          if (i >= line.size()) return fail(line_no, "unterminated label value");
          char c = line[i++];
          if (c == '"') break;
          if (c == '\\') {
            if (i >= line.size()) return fail(line_no, "dangling escape");
            char e = line[i++];
            if (e == '\\')
              value += '\\';
            else if (e == '"')
              value += '"';
            else if (e == 'n')
              value += '\n';
            else
              return fail(line_no, "bad escape in label value");
          } else {
            value += c;
          }
        }
        if (!s.labels.emplace(lname, value).second) return fail(line_no, "duplicate label");
        if (i < line.size() && line[i] == ',') {
          ++i;
          continue;
        }
        if (i < line.size() && line[i] == '}') continue;
        return fail(line_no, "expected , or }");
      }
    }
    if (i >= line.size() || line[i] != ' ') return fail(line_no, "expected space before value");
    ++i;
    std::string_view rest = line.substr(i);
    std::size_t sp = rest.find(' ');
    auto v = parse_float(rest.substr(0, sp));
    if (!v) return fail(line_no, "bad value");
    if (sp != std::string_view::npos) {
      std::string_view ts = rest.substr(sp + 1);
      if (ts.empty()) return fail(line_no, "trailing space");
      for (char c : ts)
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '-')
          return fail(line_no, "bad timestamp");
    }
    s.value = *v;
    std::string fam = family_of(s.name, r.families);
    if (fam != current) {
      if (closed.count(fam)) return fail(line_no, "family " + fam + " is not contiguous");
      if (!current.empty()) closed.insert(current);
      current = fam;
    }
    std::string series_id = s.name;
    for (auto& [k, val] : s.labels) series_id += "\x1f" + k + "=" + val;
    if (!seen_series.insert(series_id).second)
      return fail(line_no, "duplicate series " + series_id);
    Family& f = r.families[fam];
    if (std::find(r.family_order.begin(), r.family_order.end(), fam) == r.family_order.end()) {
      r.family_order.push_back(fam);
    }
    if (f.type == "counter" && (s.value < 0 || std::isnan(s.value)))
      return fail(line_no, "negative counter");
    if (f.type == "histogram" && s.name == fam) return fail(line_no, "bare sample in histogram");
    f.samples.push_back(std::move(s));
  }
  // Histogram consistency, per label set.
  for (auto& [name, f] : r.families) {
    if (f.type != "histogram") continue;
    struct Group {
      std::vector<std::pair<double, double>> buckets;
      std::optional<double> count, sum;
    };
    std::map<std::map<std::string, std::string>, Group> groups;
    for (const Sample& s : f.samples) {
      auto labels = s.labels;
      if (s.name == name + "_bucket") {
        auto le = labels.find("le");
        if (le == labels.end()) return fail(0, name + ": bucket without le");
        auto bound = parse_float(le->second);
        if (!bound) return fail(0, name + ": bad le");
        labels.erase(le);
        groups[labels].buckets.emplace_back(*bound, s.value);
      } else if (s.name == name + "_count") {
        groups[labels].count = s.value;
      } else if (s.name == name + "_sum") {
        groups[labels].sum = s.value;
      }
    }
    for (auto& [labels, g] : groups) {
      if (g.buckets.empty() || !g.count || !g.sum) return fail(0, name + ": incomplete histogram");
      for (std::size_t k = 1; k < g.buckets.size(); ++k) {
        if (!(g.buckets[k].first > g.buckets[k - 1].first))
          return fail(0, name + ": le not ascending");
        if (g.buckets[k].second < g.buckets[k - 1].second)
          return fail(0, name + ": buckets not cumulative");
      }
      if (!std::isinf(g.buckets.back().first)) return fail(0, name + ": no +Inf bucket");
      if (g.buckets.back().second != *g.count) return fail(0, name + ": _count != +Inf bucket");
    }
  }
  return r;
}

}  // namespace sy::telemetry::testing
