// Metrics registry sharded per worker thread, merged on scrape.
//
// Each worker owns one Shard and records into it with plain lookups and
// relaxed atomic stores: no lock is taken when an existing series moves. The
// first time a shard sees a label set it inserts the series under that
// shard's mutex (and the registry's catalog mutex, which enforces the series
// cap); a scrape holds each shard's mutex only while walking its maps.
//
// Thread safety: Shard::add/set/observe must be called only by the shard's
// owner thread (one writer per shard). Registry::set_global, snapshot() and
// the collectors may be used from any thread. The Registry owns its shards;
// it must outlive every reference handed out.
//
// Series cap: a metric holds at most `max_series_per_metric` distinct label
// sets across all shards; further label sets are recorded in one overflow
// series whose label values are all "__overflow__". Label values are cut to
// 128 bytes (at a UTF-8 boundary) and NUL bytes become '?'.
#pragma once

#include <atomic>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "telemetry/metric_defs.h"

namespace sy::telemetry {

using Labels = std::initializer_list<std::string_view>;

inline constexpr std::size_t kMaxLabelValueBytes = 128;
inline constexpr std::string_view kOverflowLabel = "__overflow__";

struct RegistryOptions {
  std::size_t max_series_per_metric = 10'000;  // Default: 10000
};

// One labelled series inside one shard. Written by the owner thread only.
struct Series {
  std::atomic<double> value{0};                      // counters and gauges
  std::atomic<double> sum{0};                        // histograms
  std::unique_ptr<std::atomic<uint64_t>[]> buckets;  // histograms: kBucketCount, not cumulative

  // Single-writer updates: load + store, no read-modify-write instruction.
  void add(double v) {
    value.store(value.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
  }
  void set(double v) { value.store(v, std::memory_order_relaxed); }
  void observe(double seconds);
};

class Registry;

class Shard {
 public:
  Shard(Registry& registry, std::size_t index);
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  void add(Counter c, Labels labels, double v = 1) { series(id_of(c), labels).add(v); }
  void add(Gauge g, Labels labels, double delta) { series(id_of(g), labels).add(delta); }
  void set(Gauge g, Labels labels, double v) { series(id_of(g), labels).set(v); }
  void observe(Histogram h, Labels labels, double seconds) {
    series(id_of(h), labels).observe(seconds);
  }

  // The series for a label set, created on first use; the reference stays
  // valid for the Registry's lifetime, so hot callers may keep it.
  Series& series(MetricId id, Labels labels);

  std::size_t index() const { return index_; }

 private:
  friend class Registry;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::unique_ptr<Series>, Hash, std::equal_to<>>;

  Series& insert(MetricId id, std::string_view key);

  Registry& registry_;
  std::size_t index_;
  std::string scratch_;                 // key under construction (owner thread only)
  // Per metric, the last label set looked up and its series (owner thread
  // only): consecutive requests mostly repeat it, so the hash lookup is skipped.
  struct Last {
    std::string key;
    Series* series = nullptr;
  };
  std::array<Last, kMetricCount> last_;
  std::array<Map, kMetricCount> maps_;  // structure guarded by structure_mutex_ for writes
  mutable std::mutex structure_mutex_;  // owner: inserts; scraper: walks
};

// A merged series, ready to render.
struct SeriesSnapshot {
  std::vector<std::string> label_values;
  double value = 0;
  double sum = 0;
  std::vector<uint64_t> buckets;  // histograms: kBucketCount, not cumulative
};

struct FamilySnapshot {
  const MetricDef* def = nullptr;
  std::vector<SeriesSnapshot> series;  // sorted by label values
};

class Registry {
 public:
  explicit Registry(std::size_t shard_count, RegistryOptions options = {});
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // REQUIRES: i < shard_count(). Hand shard i to worker i.
  Shard& shard(std::size_t i) { return *shards_[i]; }
  std::size_t shard_count() const { return shards_.size(); }

  // Process-wide gauges (e.g. circuit-breaker state), from any thread.
  void set_global(GlobalGauge g, Labels labels, double v);
  // A counter whose running total is kept elsewhere (e.g. the access log's
  // drop count), published as that absolute total and added to what the
  // shards hold for the same labels. Any thread; typically from a collector.
  void set_global_total(Counter c, Labels labels, double total);

  // Called at the start of every snapshot(), on the scraping thread, to
  // refresh values owned elsewhere (set_global). Register at start-up only.
  void add_collector(std::function<void(Registry&)> collector);

  // Merges all shards: counters, gauges and histograms summed over shards.
  // Families in declaration order, series sorted by label values.
  std::vector<FamilySnapshot> snapshot() const;

  // Distinct label sets currently held for a metric (overflow series included).
  std::size_t series_count(MetricId id) const;

 private:
  friend class Shard;
  // Returns false when the label set must go to the overflow series.
  bool admit_series(MetricId id, std::string_view key);
  void set_global_value(MetricId id, Labels labels, double v);

  RegistryOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;

  mutable std::mutex catalog_mutex_;
  std::array<std::unordered_set<std::string>, kMetricCount> catalog_;  // GUARDED_BY(catalog_mutex_)
  std::map<std::string, double> globals_[kMetricCount];                // GUARDED_BY(catalog_mutex_)

  mutable std::mutex collectors_mutex_;
  std::vector<std::function<void(Registry&)>> collectors_;
};

// Builds the shard-map key of a label set: normalized values joined by '\0'.
// Exposed for tests.
void append_series_key(std::string& out, std::size_t label_count, Labels labels);

}  // namespace sy::telemetry
