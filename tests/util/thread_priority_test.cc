#include "util/thread_priority.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <string>
#include <thread>

namespace sy::util {
namespace {

TEST(ThreadPriority, IdlePriorityAppliesToTheCallingThreadOnly) {
  int policy_inside = -1;
  bool moved = false;
  std::thread t([&] {
    moved = run_current_thread_at_idle_priority();
    sched_param param{};
    pthread_getschedparam(pthread_self(), &policy_inside, &param);
  });
  t.join();
  ASSERT_TRUE(moved);  // lowering one's own priority needs no privilege
  EXPECT_EQ(policy_inside, SCHED_IDLE);
  int policy_here = -1;
  sched_param param{};
  pthread_getschedparam(pthread_self(), &policy_here, &param);
  EXPECT_EQ(policy_here, SCHED_OTHER);
}

TEST(ThreadPriority, NamesAreCutToTheKernelLimit) {
  std::string seen;
  std::thread t([&] {
    name_current_thread("sy-a-name-longer-than-fifteen");
    char buf[32] = {};
    pthread_getname_np(pthread_self(), buf, sizeof buf);
    seen = buf;
  });
  t.join();
  EXPECT_EQ(seen, "sy-a-name-longe");
}

}  // namespace
}  // namespace sy::util
