#include "util/thread_priority.h"

#include <pthread.h>
#include <sched.h>

#include <string>

namespace sy::util {

bool run_current_thread_at_idle_priority() {
  sched_param param{};
  param.sched_priority = 0;
  return pthread_setschedparam(pthread_self(), SCHED_IDLE, &param) == 0;
}

void name_current_thread(std::string_view name) {
  const std::string cut(name.substr(0, 15));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace sy::util
