#include "telemetry/exposition.h"

#include <charconv>
#include <cmath>

#include "telemetry/utf8.h"

namespace sy::telemetry {

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // Go's strconv.FormatFloat(v, 'g', -1, 64), as Prometheus clients print.
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
  return std::string(buf, end);
}

void append_label_value(std::string& out, std::string_view v) {
  for_each_utf8_char(v, [&out](std::string_view ch) {
    if (ch == "\\") {
      out += "\\\\";
    } else if (ch == "\"") {
      out += "\\\"";
    } else if (ch == "\n") {
      out += "\\n";
    } else {
      out += ch;
    }
  });
}

void append_help(std::string& out, std::string_view help) {
  for_each_utf8_char(help, [&out](std::string_view ch) {
    if (ch == "\\") {
      out += "\\\\";
    } else if (ch == "\n") {
      out += "\\n";
    } else {
      out += ch;
    }
  });
}

namespace {

// Appends `{a="x",b="y"` (no closing brace) or nothing for no labels.
void append_labels(std::string& out, const MetricDef& d, const std::vector<std::string>& values,
                   bool more_follow) {
  std::size_t n = d.label_count();
  if (n == 0 && !more_follow) return;
  out.push_back('{');
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out.push_back(',');
    out += d.labels[i];
    out += "=\"";
    append_label_value(out, i < values.size() ? values[i] : std::string());
    out.push_back('"');
  }
  if (!more_follow) out.push_back('}');
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   const MetricDef& d, const SeriesSnapshot& s, std::string_view value) {
  out += name;
  out += suffix;
  append_labels(out, d, s.label_values, false);
  out.push_back(' ');
  out += value;
  out.push_back('\n');
}

std::string_view type_name(MetricKind k) {
  switch (k) {
    case MetricKind::kCounter:
      return "counter";
    case MetricKind::kGauge:
    case MetricKind::kGlobalGauge:
      return "gauge";
    case MetricKind::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string render(const Registry& registry) {
  std::string out;
  out.reserve(16 << 10);
  for (const FamilySnapshot& f : registry.snapshot()) {
    const MetricDef& d = *f.def;
    out += "# HELP ";
    out += d.name;
    out.push_back(' ');
    append_help(out, d.help);
    out += "\n# TYPE ";
    out += d.name;
    out.push_back(' ');
    out += type_name(d.kind);
    out.push_back('\n');
    for (const SeriesSnapshot& s : f.series) {
      if (d.kind != MetricKind::kHistogram) {
        append_sample(out, d.name, "", d, s, format_value(s.value));
        continue;
      }
      uint64_t cumulative = 0;
      for (std::size_t b = 0; b < kBucketCount; ++b) {
        cumulative += s.buckets[b];
        out += d.name;
        out += "_bucket";
        append_labels(out, d, s.label_values, true);
        if (d.label_count() != 0) out.push_back(',');
        out += "le=\"";
        out += b < kLatencyBuckets.size() ? format_value(kLatencyBuckets[b]) : "+Inf";
        out += "\"} ";
        out += std::to_string(cumulative);
        out.push_back('\n');
      }
      append_sample(out, d.name, "_sum", d, s, format_value(s.sum));
      append_sample(out, d.name, "_count", d, s, std::to_string(cumulative));
    }
  }
  return out;
}

}  // namespace sy::telemetry
