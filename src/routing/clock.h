// Clock: the time source of the routing module, injected so tests run on
// simulated time. now_ns() is steady (monotonic) nanoseconds since an
// arbitrary epoch; unix_seconds() is wall-clock time, used only to turn an
// HTTP-date Retry-After into a delay.
//
// Thread safety: both implementations are safe to call from any thread.
// ManualClock only moves when a test calls set()/advance().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace sy::routing {

using Nanos = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ns() const = 0;
  virtual int64_t unix_seconds() const = 0;
};

// std::chrono::steady_clock and system_clock. Static lifetime.
const Clock& steady_clock();

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ns = 1'000'000'000, int64_t unix_start = 1'700'000'000)
      : now_(start_ns), unix_start_(unix_start), start_ns_(start_ns) {}
  int64_t now_ns() const override { return now_.load(std::memory_order_relaxed); }
  // Wall time moves with the steady time.
  int64_t unix_seconds() const override {
    return unix_start_ + (now_ns() - start_ns_) / 1'000'000'000;
  }
  void advance(Nanos d) { now_.fetch_add(d.count(), std::memory_order_relaxed); }
  void set(int64_t ns) { now_.store(ns, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
  int64_t unix_start_;
  int64_t start_ns_;
};

}  // namespace sy::routing
