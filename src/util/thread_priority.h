// Scheduling of the gateway's own background threads.
//
// Background writers (the SQLite ledger's) share cores with the request
// workers. Under a fair scheduler a writer that is "owed" CPU time delays a
// waking worker by up to a scheduler slice (milliseconds); SCHED_IDLE makes
// the kernel preempt the writer as soon as any normal thread wakes. An
// unprivileged thread cannot leave SCHED_IDLE again, so callers that must not
// starve pair an idle-priority thread with a normal one (see
// store/sqlite/ledger.h).
#pragma once

#include <string_view>

namespace sy::util {

// Moves the calling thread to SCHED_IDLE. False when the kernel refuses (the
// thread then keeps its normal priority, which is always correct, only slower
// to yield).
bool run_current_thread_at_idle_priority();

// Names the calling thread for top -H, ps -L and debuggers; `name` is cut to
// 15 bytes (the kernel's limit).
void name_current_thread(std::string_view name);

}  // namespace sy::util
