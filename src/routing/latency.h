// Latency estimates of one deployment for one kind of request (streamed or
// not): an exponentially weighted moving average of time to first byte and a
// decaying log-scale histogram for percentiles (used by hedging).
//
// Smoothing: ewma' = ewma + kAlpha * (sample - ewma) with kAlpha = 0.2, so the
// last 10 samples carry ~89% of the weight; the first sample seeds the value.
// Histogram: 64 buckets growing by 2^(1/4) (~19%) from 1 ms (the first bucket
// holds everything below 1 ms; the last everything above ~55 min); once
// kDecayEvery samples were recorded, all counts are halved so the percentile
// follows recent behaviour.
//
// Thread safety: lock-free. record() from any thread; ewma_ms()/percentile_ms()
// from any thread. Concurrent updates are CAS loops (EWMA) or relaxed counters
// (histogram); a decay racing with records may lose a few samples.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>

#include "routing/clock.h"

namespace sy::routing {

class LatencyStats {
 public:
  static constexpr double kAlpha = 0.2;
  static constexpr int kBuckets = 64;
  static constexpr int64_t kDecayEvery = 1024;

  void record(Nanos sample);
  // Smoothed milliseconds; nullopt before the first sample.
  std::optional<double> ewma_ms() const;
  // Samples currently in the histogram (after decays).
  int64_t samples() const { return total_.load(std::memory_order_relaxed); }
  // Upper bound (ms) of the bucket holding quantile q in (0, 1); nullopt
  // when there are fewer than `min_samples` samples.
  std::optional<double> percentile_ms(double q, int64_t min_samples = 20) const;

  static int bucket_of(double ms);
  static double bucket_upper_ms(int bucket);

 private:
  std::atomic<uint64_t> ewma_bits_{0};  // bit pattern of a double; 0 = no sample yet
  std::array<std::atomic<int64_t>, kBuckets> counts_{};
  std::atomic<int64_t> total_{0};
  std::atomic<int64_t> recorded_{0};
};

}  // namespace sy::routing
