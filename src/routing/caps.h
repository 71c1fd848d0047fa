// CapTracker: a deployment's rpm / tpm / max_parallel caps and its in-flight
// count. Admission reserves one request, the request's estimated tokens and
// one parallel slot; settle() releases the slot and corrects the tokens to
// the actual count (in the minute bucket where they were reserved).
//
// Windows are sliding 60 s windows (SlidingWindow, 6 s granularity).
//
// Thread safety: lock-free. try_admit() adds first and rolls back when over a
// cap, so concurrent admissions never exceed a cap (they may both be refused
// at the edge). in_flight() counts every admitted, unsettled request, also
// when max_parallel is 0 (unlimited).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>

#include "routing/options.h"
#include "routing/sliding_window.h"

namespace sy::routing {

class CapTracker {
 public:
  // What one admission holds; pass it back to settle() exactly once.
  struct Reservation {
    int64_t at_ns = 0;
    int64_t tokens = 0;
  };
  enum class Limit { kNone, kRpm, kTpm, kParallel };

  explicit CapTracker(const DeploymentCaps& caps);

  // Admits one request of `tokens` estimated tokens, or says which cap is full.
  std::optional<Reservation> try_admit(int64_t now_ns, int64_t tokens, Limit* full = nullptr);
  // Releases the parallel slot; actual_tokens < 0 keeps the estimate.
  void settle(const Reservation& r, int64_t actual_tokens);

  // Which cap would refuse a request of `tokens` now (kNone: it would fit).
  Limit would_refuse(int64_t now_ns, int64_t tokens) const;
  // The smallest remaining share over the capped dimensions, in [0, 1];
  // 1 when nothing is capped. For usage-based routing.
  double headroom(int64_t now_ns) const;
  int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  int64_t requests_in_window(int64_t now_ns) const { return window_.sum(now_ns).a; }
  int64_t tokens_in_window(int64_t now_ns) const { return window_.sum(now_ns).b; }
  const DeploymentCaps& caps() const { return caps_; }

 private:
  DeploymentCaps caps_;
  std::atomic<int64_t> in_flight_{0};
  SlidingWindow window_;  // a = requests, b = tokens
};

std::string_view to_string(CapTracker::Limit l);

}  // namespace sy::routing
