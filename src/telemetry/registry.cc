#include "telemetry/registry.h"

#include <algorithm>

namespace sy::telemetry {

namespace {

// Length of the longest prefix of `s` not longer than `max` that does not
// cut a UTF-8 sequence.
std::size_t utf8_prefix(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s.size();
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

std::vector<std::string> split_key(std::string_view key, std::size_t label_count) {
  std::vector<std::string> values;
  values.reserve(label_count);
  if (label_count == 0) return values;
  std::size_t start = 0;
  for (;;) {
    std::size_t z = key.find('\0', start);
    if (z == std::string_view::npos) {
      values.emplace_back(key.substr(start));
      break;
    }
    values.emplace_back(key.substr(start, z - start));
    start = z + 1;
  }
  return values;
}

std::string overflow_key(std::size_t label_count) {
  std::string key;
  for (std::size_t i = 0; i < label_count; ++i) {
    if (i) key.push_back('\0');
    key += kOverflowLabel;
  }
  return key;
}

}  // namespace

void append_series_key(std::string& out, std::size_t label_count, Labels labels) {
  auto it = labels.begin();
  for (std::size_t i = 0; i < label_count; ++i) {
    if (i) out.push_back('\0');
    if (it == labels.end()) continue;  // missing values are empty
    std::string_view v = *it++;
    v = v.substr(0, utf8_prefix(v, kMaxLabelValueBytes));
    std::size_t at = out.size();
    out.append(v);
    // A value holding the separator byte (rare) has it replaced.
    if (v.find('\0') != std::string_view::npos) {
      std::replace(out.begin() + static_cast<std::ptrdiff_t>(at), out.end(), '\0', '?');
    }
  }
}

void Series::observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // negative or NaN: clock skew, count as zero
  std::size_t i = static_cast<std::size_t>(
      std::lower_bound(kLatencyBuckets.begin(), kLatencyBuckets.end(), seconds) -
      kLatencyBuckets.begin());
  auto& b = buckets[i];
  b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  sum.store(sum.load(std::memory_order_relaxed) + seconds, std::memory_order_relaxed);
}

Shard::Shard(Registry& registry, std::size_t index) : registry_(registry), index_(index) {
  scratch_.reserve(256);
}

Series& Shard::series(MetricId id, Labels labels) {
  const MetricDef& d = def(id);
  scratch_.clear();
  append_series_key(scratch_, d.label_count(), labels);
  Last& last = last_[static_cast<std::size_t>(id)];
  if (last.series != nullptr && last.key == scratch_) return *last.series;
  Map& map = maps_[static_cast<std::size_t>(id)];
  // Lock-free lookup: only this (owner) thread changes the map's structure.
  auto it = map.find(std::string_view(scratch_));
  Series& found = it != map.end() ? *it->second : insert(id, scratch_);
  last.key.assign(scratch_);  // series are never removed: the pointer stays valid
  last.series = &found;
  return found;
}

Series& Shard::insert(MetricId id, std::string_view key) {
  const MetricDef& d = def(id);
  std::string owned_key(key);
  if (!registry_.admit_series(id, owned_key)) {
    owned_key = overflow_key(d.label_count());
    Map& map = maps_[static_cast<std::size_t>(id)];
    if (auto it = map.find(std::string_view(owned_key)); it != map.end()) return *it->second;
  }
  auto s = std::make_unique<Series>();
  if (d.kind == MetricKind::kHistogram) {
    s->buckets = std::make_unique<std::atomic<uint64_t>[]>(kBucketCount);
    for (std::size_t i = 0; i < kBucketCount; ++i)
      s->buckets[i].store(0, std::memory_order_relaxed);
  }
  Series& ref = *s;
  std::lock_guard lock(structure_mutex_);
  maps_[static_cast<std::size_t>(id)].emplace(std::move(owned_key), std::move(s));
  return ref;
}

Registry::Registry(std::size_t shard_count, RegistryOptions options) : options_(options) {
  if (shard_count == 0) shard_count = 1;
  shards_.reserve(shard_count);
  for (std::size_t i = 0; i < shard_count; ++i)
    shards_.push_back(std::make_unique<Shard>(*this, i));
}

bool Registry::admit_series(MetricId id, std::string_view key) {
  const MetricDef& d = def(id);
  std::lock_guard lock(catalog_mutex_);
  auto& known = catalog_[static_cast<std::size_t>(id)];
  if (known.count(std::string(key)) != 0) return true;
  if (known.size() < options_.max_series_per_metric || d.label_count() == 0) {
    known.emplace(key);
    return true;
  }
  known.emplace(overflow_key(d.label_count()));  // the overflow series always fits
  return false;
}

void Registry::set_global(GlobalGauge g, Labels labels, double v) {
  set_global_value(id_of(g), labels, v);
}

void Registry::set_global_total(Counter c, Labels labels, double total) {
  set_global_value(id_of(c), labels, total);
}

void Registry::set_global_value(MetricId id, Labels labels, double v) {
  std::string key;
  append_series_key(key, def(id).label_count(), labels);
  if (!admit_series(id, key)) key = overflow_key(def(id).label_count());
  std::lock_guard lock(catalog_mutex_);
  globals_[static_cast<std::size_t>(id)][key] = v;
}

void Registry::add_collector(std::function<void(Registry&)> collector) {
  std::lock_guard lock(collectors_mutex_);
  collectors_.push_back(std::move(collector));
}

std::size_t Registry::series_count(MetricId id) const {
  std::lock_guard lock(catalog_mutex_);
  return catalog_[static_cast<std::size_t>(id)].size();
}

std::vector<FamilySnapshot> Registry::snapshot() const {
  {
    std::lock_guard lock(collectors_mutex_);
    for (const auto& c : collectors_) c(const_cast<Registry&>(*this));
  }
  std::vector<std::map<std::string, SeriesSnapshot>> merged(kMetricCount);
  auto slot = [&](std::size_t m, const std::string& key) -> SeriesSnapshot& {
    auto [it, fresh] = merged[m].try_emplace(key);
    if (fresh && kMetricDefs[m].kind == MetricKind::kHistogram) {
      it->second.buckets.assign(kBucketCount, 0);
    }
    return it->second;
  };
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->structure_mutex_);
    for (std::size_t m = 0; m < kMetricCount; ++m) {
      for (const auto& [key, series] : shard->maps_[m]) {
        SeriesSnapshot& out = slot(m, key);
        out.value += series->value.load(std::memory_order_relaxed);
        if (series->buckets) {
          out.sum += series->sum.load(std::memory_order_relaxed);
          for (std::size_t b = 0; b < kBucketCount; ++b) {
            out.buckets[b] += series->buckets[b].load(std::memory_order_relaxed);
          }
        }
      }
    }
  }
  {
    std::lock_guard lock(catalog_mutex_);
    for (std::size_t m = 0; m < kMetricCount; ++m) {
      // Global gauges replace (only set globally); global counter totals add.
      for (const auto& [key, v] : globals_[m]) {
        if (kMetricDefs[m].kind == MetricKind::kCounter) {
          slot(m, key).value += v;
        } else {
          slot(m, key).value = v;
        }
      }
    }
  }
  std::vector<FamilySnapshot> families(kMetricCount);
  for (std::size_t m = 0; m < kMetricCount; ++m) {
    const MetricDef& d = kMetricDefs[m];
    families[m].def = &d;
    // A label-less counter or gauge always has its one series, even at zero.
    if (d.label_count() == 0 && merged[m].empty()) slot(m, std::string());
    for (auto& [key, s] : merged[m]) {
      s.label_values = split_key(key, d.label_count());
      families[m].series.push_back(std::move(s));
    }
  }
  return families;
}

}  // namespace sy::telemetry
