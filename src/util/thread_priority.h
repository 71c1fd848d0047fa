// Background threads (ledger writers, the access-log writer) call
// lower_this_thread_priority() first thing: they run at nice +10, so on a
// busy core the scheduler lets a worker thread that wakes with a request run
// before them instead of after a batch insert. They still progress under
// saturation (CFS weight ~1/10, never starved). Linux only: a thread's nice
// value is its own there; elsewhere this does nothing. Failure is ignored
// (the thread runs at normal priority).
#pragma once

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace sy {

inline constexpr int kBackgroundNice = 10;

inline void lower_this_thread_priority() {
#if defined(__linux__)
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  (void)::setpriority(PRIO_PROCESS, tid, kBackgroundNice);
#endif
}

}  // namespace sy
