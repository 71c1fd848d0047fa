#include "routing/caps.h"

#include <algorithm>

namespace sy::routing {

std::string_view to_string(CapTracker::Limit l) {
  switch (l) {
    case CapTracker::Limit::kNone:
      return "none";
    case CapTracker::Limit::kRpm:
      return "rpm";
    case CapTracker::Limit::kTpm:
      return "tpm";
    case CapTracker::Limit::kParallel:
      return "max_parallel";
  }
  return "unknown";
}

CapTracker::CapTracker(const DeploymentCaps& caps) : caps_(caps), window_(Nanos(60'000'000'000)) {}

std::optional<CapTracker::Reservation> CapTracker::try_admit(int64_t now_ns, int64_t tokens,
                                                             Limit* full) {
  tokens = std::max<int64_t>(0, tokens);
  auto refuse = [&](Limit l) -> std::optional<Reservation> {
    if (full != nullptr) *full = l;
    return std::nullopt;
  };
  const int64_t parallel = in_flight_.fetch_add(1, std::memory_order_acq_rel) + 1;
  if (caps_.max_parallel > 0 && parallel > caps_.max_parallel) {
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    return refuse(Limit::kParallel);
  }
  if (caps_.rpm > 0 || caps_.tpm > 0) {
    window_.add(now_ns, 1, tokens);
    SlidingWindow::Sum used = window_.sum(now_ns);
    Limit over = Limit::kNone;
    if (caps_.rpm > 0 && used.a > caps_.rpm) over = Limit::kRpm;
    // A single request larger than the whole tpm cap is let through when the
    // window is otherwise empty, or it could never be served.
    else if (caps_.tpm > 0 && used.b > caps_.tpm && used.b - tokens > 0)
      over = Limit::kTpm;
    if (over != Limit::kNone) {
      window_.add(now_ns, -1, -tokens);
      in_flight_.fetch_sub(1, std::memory_order_acq_rel);
      return refuse(over);
    }
  } else {
    window_.add(now_ns, 1, tokens);
  }
  if (full != nullptr) *full = Limit::kNone;
  return Reservation{now_ns, tokens};
}

void CapTracker::settle(const Reservation& r, int64_t actual_tokens) {
  in_flight_.fetch_sub(1, std::memory_order_acq_rel);
  if (actual_tokens >= 0 && actual_tokens != r.tokens) {
    window_.add(r.at_ns, 0, actual_tokens - r.tokens);
  }
}

CapTracker::Limit CapTracker::would_refuse(int64_t now_ns, int64_t tokens) const {
  if (caps_.max_parallel > 0 && in_flight() >= caps_.max_parallel) return Limit::kParallel;
  if (caps_.rpm > 0 || caps_.tpm > 0) {
    SlidingWindow::Sum used = window_.sum(now_ns);
    if (caps_.rpm > 0 && used.a + 1 > caps_.rpm) return Limit::kRpm;
    if (caps_.tpm > 0 && used.b + tokens > caps_.tpm && used.b > 0) return Limit::kTpm;
  }
  return Limit::kNone;
}

double CapTracker::headroom(int64_t now_ns) const {
  double room = 1.0;
  if (caps_.rpm > 0 || caps_.tpm > 0) {
    SlidingWindow::Sum used = window_.sum(now_ns);
    if (caps_.rpm > 0) room = std::min(room, 1.0 - double(used.a) / double(caps_.rpm));
    if (caps_.tpm > 0) room = std::min(room, 1.0 - double(used.b) / double(caps_.tpm));
  }
  if (caps_.max_parallel > 0) {
    room = std::min(room, 1.0 - double(in_flight()) / double(caps_.max_parallel));
  }
  return std::clamp(room, 0.0, 1.0);
}

}  // namespace sy::routing
