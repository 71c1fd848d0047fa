// The metric table generated from metric_list.h: typed ids (Counter, Gauge,
// GlobalGauge, Histogram) that all index one constexpr table of definitions,
// and the fixed histogram buckets. Pure data; no state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "telemetry/metric_list.h"

namespace sy::telemetry {

enum class MetricKind : uint8_t { kCounter, kGauge, kGlobalGauge, kHistogram };

inline constexpr std::size_t kMaxLabels = 5;

struct MetricDef {
  std::string_view name;
  std::string_view help;
  MetricKind kind;
  std::array<std::string_view, kMaxLabels> labels;

  constexpr std::size_t label_count() const {
    std::size_t n = 0;
    while (n < kMaxLabels && !labels[n].empty()) ++n;
    return n;
  }
};

// Every metric, in declaration order.
enum class MetricId : uint16_t {
#define SY_TELEMETRY_ID(id, ...) id,
  SY_TELEMETRY_METRICS(SY_TELEMETRY_ID, SY_TELEMETRY_ID, SY_TELEMETRY_ID, SY_TELEMETRY_ID)
#undef SY_TELEMETRY_ID
};

#define SY_TELEMETRY_SKIP(...)
#define SY_TELEMETRY_TYPED(id, ...) id = static_cast<uint16_t>(MetricId::id),
enum class Counter : uint16_t {
  SY_TELEMETRY_METRICS(SY_TELEMETRY_TYPED, SY_TELEMETRY_SKIP, SY_TELEMETRY_SKIP, SY_TELEMETRY_SKIP)
};
enum class Gauge : uint16_t {
  SY_TELEMETRY_METRICS(SY_TELEMETRY_SKIP, SY_TELEMETRY_TYPED, SY_TELEMETRY_SKIP, SY_TELEMETRY_SKIP)
};
enum class GlobalGauge : uint16_t {
  SY_TELEMETRY_METRICS(SY_TELEMETRY_SKIP, SY_TELEMETRY_SKIP, SY_TELEMETRY_TYPED, SY_TELEMETRY_SKIP)
};
enum class Histogram : uint16_t {
  SY_TELEMETRY_METRICS(SY_TELEMETRY_SKIP, SY_TELEMETRY_SKIP, SY_TELEMETRY_SKIP, SY_TELEMETRY_TYPED)
};
#undef SY_TELEMETRY_TYPED
#undef SY_TELEMETRY_SKIP

inline constexpr MetricDef kMetricDefs[] = {
#define SY_TELEMETRY_C(id, name, help, labels) \
  MetricDef{name, help, MetricKind::kCounter, std::array<std::string_view, kMaxLabels> labels},
#define SY_TELEMETRY_G(id, name, help, labels) \
  MetricDef{name, help, MetricKind::kGauge, std::array<std::string_view, kMaxLabels> labels},
#define SY_TELEMETRY_GG(id, name, help, labels) \
  MetricDef{name, help, MetricKind::kGlobalGauge, std::array<std::string_view, kMaxLabels> labels},
#define SY_TELEMETRY_H(id, name, help, labels) \
  MetricDef{name, help, MetricKind::kHistogram, std::array<std::string_view, kMaxLabels> labels},
    SY_TELEMETRY_METRICS(SY_TELEMETRY_C, SY_TELEMETRY_G, SY_TELEMETRY_GG, SY_TELEMETRY_H)
#undef SY_TELEMETRY_C
#undef SY_TELEMETRY_G
#undef SY_TELEMETRY_GG
#undef SY_TELEMETRY_H
};

inline constexpr std::size_t kMetricCount = std::size(kMetricDefs);

constexpr const MetricDef& def(MetricId id) { return kMetricDefs[static_cast<std::size_t>(id)]; }
constexpr MetricId id_of(Counter c) { return static_cast<MetricId>(c); }
constexpr MetricId id_of(Gauge g) { return static_cast<MetricId>(g); }
constexpr MetricId id_of(GlobalGauge g) { return static_cast<MetricId>(g); }
constexpr MetricId id_of(Histogram h) { return static_cast<MetricId>(h); }

// Upper bounds (seconds) of the latency buckets, 10 µs to 5 min; a +Inf
// bucket follows implicitly. Shared by every histogram.
inline constexpr std::array<double, 23> kLatencyBuckets = {
    10e-6,  25e-6,  50e-6,  100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3,
    100e-3, 250e-3, 500e-3, 1.0,    2.5,    5.0,    10.0, 30.0,   60.0, 120.0, 300.0};
inline constexpr std::size_t kBucketCount = kLatencyBuckets.size() + 1;  // with +Inf

namespace detail {
constexpr bool ends_with_total(std::string_view s) {
  return s.size() > 6 && s.substr(s.size() - 6) == "_total";
}
constexpr bool definitions_valid() {
  for (const MetricDef& d : kMetricDefs) {
    if ((d.kind == MetricKind::kCounter) != ends_with_total(d.name)) return false;
    for (std::size_t i = d.label_count(); i < kMaxLabels; ++i) {
      if (!d.labels[i].empty()) return false;  // no gaps
    }
  }
  return true;
}
}  // namespace detail
static_assert(detail::definitions_valid(),
              "counters (and only counters) must end in _total; labels must be contiguous");

}  // namespace sy::telemetry
