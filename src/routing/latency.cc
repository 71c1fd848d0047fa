#include "routing/latency.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sy::routing {

namespace {
constexpr double kGrowth = 1.189207115002721;  // 2^(1/4)
}  // namespace

int LatencyStats::bucket_of(double ms) {
  if (!(ms > 1.0)) return 0;
  int b = static_cast<int>(std::ceil(std::log(ms) / std::log(kGrowth)));
  return std::clamp(b, 0, kBuckets - 1);
}

double LatencyStats::bucket_upper_ms(int bucket) { return std::pow(kGrowth, bucket); }

void LatencyStats::record(Nanos sample) {
  const double ms = std::max(0.0, static_cast<double>(sample.count()) / 1e6);
  // Samples of exactly 0 ms are stored as the smallest positive double so
  // that the bit pattern 0 keeps meaning "no sample yet".
  const double stored_floor = std::max(ms, 1e-300);
  uint64_t seen = ewma_bits_.load(std::memory_order_relaxed);
  for (;;) {
    double next = stored_floor;
    if (seen != 0) {
      double cur = std::bit_cast<double>(seen);
      next = std::max(cur + kAlpha * (ms - cur), 1e-300);
    }
    if (ewma_bits_.compare_exchange_weak(seen, std::bit_cast<uint64_t>(next),
                                         std::memory_order_relaxed)) {
      break;
    }
  }
  counts_[static_cast<size_t>(bucket_of(ms))].fetch_add(1, std::memory_order_relaxed);
  total_.fetch_add(1, std::memory_order_relaxed);
  if ((recorded_.fetch_add(1, std::memory_order_relaxed) + 1) % kDecayEvery == 0) {
    int64_t total = 0;
    for (auto& c : counts_) {
      int64_t halved = c.load(std::memory_order_relaxed) / 2;
      c.store(halved, std::memory_order_relaxed);
      total += halved;
    }
    total_.store(total, std::memory_order_relaxed);
  }
}

std::optional<double> LatencyStats::ewma_ms() const {
  uint64_t bits = ewma_bits_.load(std::memory_order_relaxed);
  if (bits == 0) return std::nullopt;
  return std::bit_cast<double>(bits);
}

std::optional<double> LatencyStats::percentile_ms(double q, int64_t min_samples) const {
  std::array<int64_t, kBuckets> snapshot{};
  int64_t total = 0;
  for (int i = 0; i < kBuckets; ++i) {
    snapshot[static_cast<size_t>(i)] =
        counts_[static_cast<size_t>(i)].load(std::memory_order_relaxed);
    total += snapshot[static_cast<size_t>(i)];
  }
  if (total <= 0 || total < min_samples) return std::nullopt;
  q = std::clamp(q, 0.0, 1.0);
  const double rank = q * static_cast<double>(total);
  int64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += snapshot[static_cast<size_t>(i)];
    if (static_cast<double>(seen) >= rank && seen > 0) return bucket_upper_ms(i);
  }
  return bucket_upper_ms(kBuckets - 1);
}

}  // namespace sy::routing
