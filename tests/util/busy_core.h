// Test helper: OneBusyCore confines the calling thread (and every thread it
// creates afterwards) to one CPU and keeps a normal-priority thread spinning
// on it, so SCHED_IDLE threads started meanwhile get almost no CPU. The
// destructor stops the spinner and restores the affinity.
#pragma once

#include <sched.h>

#include <atomic>
#include <thread>

namespace sy::testing {

class OneBusyCore {
 public:
  OneBusyCore() {
    sched_getaffinity(0, sizeof before_, &before_);
    int cpu = 0;
    while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &before_)) ++cpu;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    sched_setaffinity(0, sizeof one, &one);
    spinner_ = std::thread([this] {
      while (spin_.load(std::memory_order_relaxed)) {
      }
    });
  }
  ~OneBusyCore() {
    spin_ = false;
    spinner_.join();
    sched_setaffinity(0, sizeof before_, &before_);
  }
  OneBusyCore(const OneBusyCore&) = delete;
  OneBusyCore& operator=(const OneBusyCore&) = delete;

 private:
  cpu_set_t before_{};
  std::atomic<bool> spin_{true};
  std::thread spinner_;
};

}  // namespace sy::testing
