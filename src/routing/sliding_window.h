// SlidingWindow: two counters (a, b) summed over the last `window` of time,
// kept in a ring of kBuckets buckets each covering window / kBuckets. Used for
// outcome windows (a = successes, b = failures) and rate windows
// (a = requests, b = tokens).
//
// Thread safety: lock-free; any thread may add() and sum() concurrently. A
// bucket is recycled by whoever first writes to it in a new period (CAS on
// its period number, then the winner zeroes it); an add racing with that
// recycle may be lost or land in the fresh bucket. The sums are therefore
// approximate under contention at bucket boundaries, exact single-threaded.
// Time granularity is one bucket: a count leaves the window between
// window - window/kBuckets and window after it was added.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "routing/clock.h"

namespace sy::routing {

class SlidingWindow {
 public:
  static constexpr int kBuckets = 10;
  struct Sum {
    int64_t a = 0;
    int64_t b = 0;
  };

  // REQUIRES: window >= kBuckets ns.
  explicit SlidingWindow(Nanos window);

  // Adds to the bucket covering `at_ns`. When that bucket no longer covers
  // at_ns (it was recycled for a later period), the add is dropped: the count
  // would already have left the window. Adds in the future are allowed.
  void add(int64_t at_ns, int64_t a, int64_t b);
  // Totals over the window ending at now_ns (never negative).
  Sum sum(int64_t now_ns) const;
  // Forgets everything (e.g. when a breaker closes).
  void clear();
  Nanos window() const { return Nanos(bucket_ns_ * kBuckets); }

 private:
  struct Bucket {
    std::atomic<int64_t> period{-1};
    std::atomic<int64_t> a{0};
    std::atomic<int64_t> b{0};
  };
  int64_t bucket_ns_;
  std::array<Bucket, kBuckets> buckets_;
};

}  // namespace sy::routing
