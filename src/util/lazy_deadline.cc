#include "util/lazy_deadline.h"

#include <boost/asio/error.hpp>

namespace sy::util {

struct LazyDeadline::State {
  explicit State(const boost::asio::any_io_executor& executor) : timer(executor) {}
  boost::asio::steady_timer timer;
  Clock::time_point due = Clock::time_point::max();        // max: disarmed
  Clock::time_point timer_at = Clock::time_point::max();   // what the pending wait waits for
  uint64_t generation = 0;  // of the one wait whose completion counts
  bool waiting = false;
  bool expired = false;
  std::function<void()> on_expire;  // null once the owner is gone
};

LazyDeadline::LazyDeadline(const boost::asio::any_io_executor& executor,
                           std::function<void()> on_expire)
    : state_(std::make_shared<State>(executor)) {
  state_->on_expire = std::move(on_expire);
}

LazyDeadline::~LazyDeadline() {
  state_->on_expire = nullptr;
  state_->due = Clock::time_point::max();
  ++state_->generation;  // a completion already queued is ignored
  state_->timer.cancel();
}

void LazyDeadline::arm_at(Clock::time_point t) {
  State& s = *state_;
  s.due = t;
  s.expired = false;
  if (s.waiting && s.timer_at <= t) return;  // the pending wait ends no later: nothing to do
  // Not waiting, or waiting for later than the new deadline: wait anew
  // (expires_at cancels the old wait; its completion has a stale generation).
  s.timer_at = t;
  s.timer.expires_at(t);
  wait(state_);
}

void LazyDeadline::disarm() { state_->due = Clock::time_point::max(); }

bool LazyDeadline::expired() const { return state_->expired; }

void LazyDeadline::wait(const std::shared_ptr<State>& state) {
  State& s = *state;
  s.waiting = true;
  const uint64_t generation = ++s.generation;
  s.timer.async_wait([state, generation](const boost::system::error_code&) {
    State& s = *state;
    if (generation != s.generation) return;  // superseded or owner gone
    s.waiting = false;
    if (s.due == Clock::time_point::max() || !s.on_expire) return;  // disarmed: stop
    const auto now = Clock::now();
    if (now < s.due) {
      // The deadline moved later while we waited: wait for the remainder.
      s.timer_at = s.due;
      s.timer.expires_at(s.due);
      wait(state);
      return;
    }
    s.due = Clock::time_point::max();
    s.expired = true;
    s.on_expire();
  });
}

}  // namespace sy::util
