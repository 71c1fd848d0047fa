// LazyDeadline: the I/O deadline of one connection, cheap to move.
//
// A per-operation timer (Beast's stream timeouts) schedules and cancels a
// timer around every read and write: two locked heap operations and a
// cancelled handler to run, per operation. Here one timer waits for the due
// time it was first given; moving the deadline later only stores the new
// time, and the timer, when it fires early, waits again for the remainder.
// Only a deadline moved *earlier* than the pending wait re-arms the timer.
// A keep-alive connection whose deadline moves forward with every request
// therefore costs one timer wake per timeout period, not two timer
// operations per request.
//
// When the deadline passes while armed, on_expire runs once (on the
// executor's thread; typically: cancel the socket's pending operations) and
// expired() is true until the next arm. Single-threaded: call everything on
// the executor's thread. Destruction stops the timer; on_expire never runs
// after it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace sy::util {

class LazyDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  LazyDeadline(const boost::asio::any_io_executor& executor, std::function<void()> on_expire);
  ~LazyDeadline();
  LazyDeadline(const LazyDeadline&) = delete;
  LazyDeadline& operator=(const LazyDeadline&) = delete;

  // Due at `t` (replacing any earlier deadline); clears expired().
  void arm_at(Clock::time_point t);
  void arm_after(Clock::duration d) { arm_at(Clock::now() + d); }
  // No deadline until the next arm; expired() keeps its value.
  void disarm();
  // The deadline passed while armed (and on_expire ran) since the last arm.
  bool expired() const;

 private:
  struct State;
  static void wait(const std::shared_ptr<State>& state);
  std::shared_ptr<State> state_;
};

}  // namespace sy::util
