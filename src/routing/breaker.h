// CircuitBreaker: per-deployment failure isolation.
//
//   closed ──(N consecutive failures, or error rate ≥ r over the window with
//             ≥ min_requests outcomes)──▶ open
//   open ──(cooldown elapsed; the first acquire() wins a CAS)──▶ half-open
//   half-open ──(probe succeeds)──▶ closed      (counters and window reset)
//   half-open ──(probe fails)──▶ open           (cooldown doubles, capped)
//
// Cooldown of the k-th consecutive opening (k = 0 first):
//   max(min(cooldown * 2^k, max_cooldown), retry_after of the failure)
// A successful probe resets k to 0.
//
// Only outcomes of requests admitted while closed count in the closed state;
// outcomes of requests that started before an opening are ignored once open,
// and in half-open only the probe's own outcome decides. A probe that is
// never reported (lost) is replaced after max_cooldown: another acquire()
// then becomes the probe.
//
// Thread safety: lock-free; every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>

#include "routing/options.h"
#include "routing/sliding_window.h"

namespace sy::routing {

enum class BreakerState {
  // Traffic flows. Failures are counted; crossing a threshold opens.
  kClosed,
  // Traffic is refused until the cooldown ends (open_until_ns()). The planner
  // puts the deployment last, the walker skips it.
  kOpen,
  // Cooldown over and one probe request is in flight (or about to be: the
  // caller that won the transition owns it). Everything else is refused
  // until the probe reports.
  kHalfOpen,
};
std::string_view to_string(BreakerState s);

class CircuitBreaker {
 public:
  enum class Permit {
    kAllowed,   // closed: send; report the outcome with probe = false
    kProbe,     // this caller is the single half-open probe; report with probe = true
    kRejected,  // open or a probe is already out: do not send
  };

  explicit CircuitBreaker(const BreakerOptions& options);

  // Asks to send one request now. May move open → half-open (one winner).
  Permit acquire(int64_t now_ns);
  // Whether acquire() would not reject now. No side effects: for planning.
  bool would_allow(int64_t now_ns) const;

  void on_success(int64_t now_ns, bool probe);
  // `retry_after` (0 = none) lengthens the open period when it is longer.
  void on_failure(int64_t now_ns, bool probe, Nanos retry_after = Nanos(0));
  // A probe ended without an outcome (cancelled): the next acquire() probes.
  void on_probe_abandoned(int64_t now_ns);

  // kOpen is reported as such even after its cooldown ended (until a probe
  // is taken); use would_allow() for "can I send".
  BreakerState state() const {
    return static_cast<BreakerState>(state_.load(std::memory_order_acquire));
  }
  int64_t open_until_ns() const { return open_until_.load(std::memory_order_acquire); }
  int consecutive_failures() const { return consecutive_.load(std::memory_order_relaxed); }
  int openings() const { return openings_.load(std::memory_order_relaxed); }
  const BreakerOptions& options() const { return options_; }

 private:
  void open(int64_t now_ns, Nanos retry_after, int expected_state);
  Nanos cooldown_for(int opening) const;

  BreakerOptions options_;
  std::atomic<int> state_{static_cast<int>(BreakerState::kClosed)};
  std::atomic<int64_t> open_until_{0};
  std::atomic<int64_t> probe_started_{0};
  std::atomic<int> consecutive_{0};
  std::atomic<int> openings_{0};  // consecutive openings without a successful probe
  SlidingWindow window_;          // a = successes, b = failures (closed state only)
};

}  // namespace sy::routing
