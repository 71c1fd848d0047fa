#include "routing/breaker.h"

#include <algorithm>

namespace sy::routing {

namespace {
constexpr int kClosed = static_cast<int>(BreakerState::kClosed);
constexpr int kOpen = static_cast<int>(BreakerState::kOpen);
constexpr int kHalfOpen = static_cast<int>(BreakerState::kHalfOpen);
}  // namespace

std::string_view to_string(BreakerState s) {
  switch (s) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half-open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(const BreakerOptions& options)
    : options_(options), window_(std::max<Nanos>(options.window, Nanos(1'000'000))) {}

Nanos CircuitBreaker::cooldown_for(int opening) const {
  Nanos cap = std::max<Nanos>(options_.max_cooldown, options_.cooldown);
  Nanos d = options_.cooldown;
  for (int i = 0; i < opening && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}

CircuitBreaker::Permit CircuitBreaker::acquire(int64_t now_ns) {
  int s = state_.load(std::memory_order_acquire);
  if (s == kClosed) return Permit::kAllowed;
  if (s == kOpen) {
    if (now_ns < open_until_.load(std::memory_order_acquire)) return Permit::kRejected;
    if (state_.compare_exchange_strong(s, kHalfOpen, std::memory_order_acq_rel)) {
      probe_started_.store(now_ns, std::memory_order_release);
      return Permit::kProbe;
    }
    return s == kClosed ? Permit::kAllowed : Permit::kRejected;
  }
  // Half-open: replace a probe that never reported.
  int64_t started = probe_started_.load(std::memory_order_acquire);
  const int64_t lost_after = std::max<Nanos>(options_.max_cooldown, options_.cooldown).count();
  if (now_ns - started >= lost_after &&
      probe_started_.compare_exchange_strong(started, now_ns, std::memory_order_acq_rel)) {
    return Permit::kProbe;
  }
  return Permit::kRejected;
}

bool CircuitBreaker::would_allow(int64_t now_ns) const {
  int s = state_.load(std::memory_order_acquire);
  if (s == kClosed) return true;
  if (s == kOpen) return now_ns >= open_until_.load(std::memory_order_acquire);
  const int64_t lost_after = std::max<Nanos>(options_.max_cooldown, options_.cooldown).count();
  return now_ns - probe_started_.load(std::memory_order_acquire) >= lost_after;
}

void CircuitBreaker::on_success(int64_t now_ns, bool probe) {
  if (probe) {
    int expected = kHalfOpen;
    if (state_.compare_exchange_strong(expected, kClosed, std::memory_order_acq_rel)) {
      consecutive_.store(0, std::memory_order_relaxed);
      openings_.store(0, std::memory_order_relaxed);
      window_.clear();
    }
    return;
  }
  if (state_.load(std::memory_order_acquire) != kClosed) return;
  consecutive_.store(0, std::memory_order_relaxed);
  window_.add(now_ns, 1, 0);
}

void CircuitBreaker::on_failure(int64_t now_ns, bool probe, Nanos retry_after) {
  if (probe) {
    if (state_.load(std::memory_order_acquire) == kHalfOpen) open(now_ns, retry_after, kHalfOpen);
    return;
  }
  if (state_.load(std::memory_order_acquire) != kClosed) return;
  const int consecutive = consecutive_.fetch_add(1, std::memory_order_relaxed) + 1;
  window_.add(now_ns, 0, 1);
  bool trip = options_.failures > 0 && consecutive >= options_.failures;
  if (!trip && options_.error_rate > 0) {
    SlidingWindow::Sum sum = window_.sum(now_ns);
    const int64_t total = sum.a + sum.b;
    trip = total >= std::max(1, options_.min_requests) &&
           static_cast<double>(sum.b) >= options_.error_rate * static_cast<double>(total);
  }
  if (trip) open(now_ns, retry_after, kClosed);
}

void CircuitBreaker::on_probe_abandoned(int64_t now_ns) {
  int expected = kHalfOpen;
  // Back to open with the cooldown already over: the next acquire() probes.
  open_until_.store(now_ns, std::memory_order_release);
  state_.compare_exchange_strong(expected, kOpen, std::memory_order_acq_rel);
}

void CircuitBreaker::open(int64_t now_ns, Nanos retry_after, int expected_state) {
  Nanos cooldown = std::max(cooldown_for(openings_.load(std::memory_order_relaxed)), retry_after);
  // Publish the end of the open period before the state, so a reader that
  // sees kOpen never sees a stale (past) open_until.
  open_until_.store(now_ns + cooldown.count(), std::memory_order_release);
  if (state_.compare_exchange_strong(expected_state, kOpen, std::memory_order_acq_rel)) {
    consecutive_.store(0, std::memory_order_relaxed);
    openings_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace sy::routing
