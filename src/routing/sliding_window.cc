#include "routing/sliding_window.h"

#include <algorithm>

namespace sy::routing {

SlidingWindow::SlidingWindow(Nanos window)
    : bucket_ns_(std::max<int64_t>(1, window.count() / kBuckets)) {}

void SlidingWindow::add(int64_t at_ns, int64_t a, int64_t b) {
  const int64_t period = at_ns / bucket_ns_;
  Bucket& bucket = buckets_[static_cast<size_t>(period % kBuckets)];
  int64_t seen = bucket.period.load(std::memory_order_acquire);
  while (seen < period) {
    if (bucket.period.compare_exchange_weak(seen, period, std::memory_order_acq_rel)) {
      bucket.a.store(0, std::memory_order_relaxed);
      bucket.b.store(0, std::memory_order_relaxed);
      seen = period;
      break;
    }
  }
  if (seen != period) return;  // recycled for a later period: too old to matter
  if (a != 0) bucket.a.fetch_add(a, std::memory_order_relaxed);
  if (b != 0) bucket.b.fetch_add(b, std::memory_order_relaxed);
}

SlidingWindow::Sum SlidingWindow::sum(int64_t now_ns) const {
  const int64_t current = now_ns / bucket_ns_;
  Sum s;
  for (const Bucket& bucket : buckets_) {
    int64_t p = bucket.period.load(std::memory_order_acquire);
    if (p > current - kBuckets && p <= current) {
      s.a += bucket.a.load(std::memory_order_relaxed);
      s.b += bucket.b.load(std::memory_order_relaxed);
    }
  }
  s.a = std::max<int64_t>(0, s.a);
  s.b = std::max<int64_t>(0, s.b);
  return s;
}

void SlidingWindow::clear() {
  for (Bucket& bucket : buckets_) {
    bucket.period.store(-1, std::memory_order_release);
    bucket.a.store(0, std::memory_order_relaxed);
    bucket.b.store(0, std::memory_order_relaxed);
  }
}

}  // namespace sy::routing
