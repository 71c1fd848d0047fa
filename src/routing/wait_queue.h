// WaitQueue: the bounded FIFO of requests waiting because every deployment
// they could use is at its caps (RoutePlan status kWait). I/O-free; the
// server drives it from its coroutines with a timer.
//
// Protocol (one queue per model group, or one shared queue with the group
// name as key):
//   auto t = queue.join(group, now, wake);   // nullopt → queue full: answer 429
//   for (;;) {
//     switch (queue.turn(*t, now)) {
//       case Turn::kExpired: answer 429 (timed out waiting); t.reset(); done
//       case Turn::kFirst:   re-plan; if ready → t.reset() (leaves, wakes the
//                            next) and send; else fall through to wait
//       case Turn::kBehind:  ;
//     }
//     co_await timer (expires at min(t->deadline_ns, now + poll interval));
//     // `wake` cancels that timer early (post it to the waiter's executor).
//   }
//   After any attempt on the group settles, the server calls
//   queue.notify(group) so the head waiter re-plans at once.
// Only the head of a key's FIFO may take capacity, so waiters are served in
// arrival order; new requests must join behind existing waiters
// (has_waiters()) instead of taking freed capacity first.
//
// Thread safety: a mutex guards the FIFOs; it is taken only when a request
// waits or capacity frees while someone waits (has_waiters() is one atomic
// load when nobody waits). `wake` callbacks run with the mutex released, on
// the thread that called notify()/leave, and must only post work; a wake
// may arrive just after its ticket left, so it must hold what it touches
// (e.g. a shared_ptr to the timer) rather than point into the coroutine frame.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "routing/options.h"

namespace sy::routing {

class WaitQueue {
 public:
  using Wake = std::function<void()>;
  enum class Turn {
    kFirst,    // head of its FIFO: try to admit now
    kBehind,   // others arrived first: keep waiting
    kExpired,  // its timeout passed: stop waiting, answer the client
  };

  class Ticket {
   public:
    Ticket(Ticket&& o) noexcept;
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    ~Ticket();  // leaves the queue (and wakes the next head)
    int64_t deadline_ns() const { return deadline_ns_; }
    uint64_t id() const { return id_; }

   private:
    friend class WaitQueue;
    Ticket(WaitQueue* q, std::string key, uint64_t id, int64_t deadline)
        : queue_(q), key_(std::move(key)), id_(id), deadline_ns_(deadline) {}
    WaitQueue* queue_;
    std::string key_;
    uint64_t id_;
    int64_t deadline_ns_;
  };

  explicit WaitQueue(const QueueOptions& options) : options_(options) {}

  // Joins the FIFO for `key`; nullopt when max_waiting are already waiting
  // there (or the queue is disabled). `wake` is called when it may be this
  // waiter's turn (may be empty: then the server only polls).
  std::optional<Ticket> join(std::string_view key, int64_t now_ns, Wake wake);
  Turn turn(const Ticket& t, int64_t now_ns) const;
  // Capacity for `key` may have freed: wakes its head waiter.
  void notify(std::string_view key);
  bool has_waiters(std::string_view key) const;
  size_t waiting(std::string_view key) const;

 private:
  struct Waiter {
    uint64_t id;
    int64_t deadline_ns;
    Wake wake;
  };
  void leave(const Ticket& t);

  QueueOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::deque<Waiter>, std::less<>> fifos_;  // guarded by mu_
  uint64_t next_id_ = 1;                                          // guarded by mu_
  std::atomic<int64_t> total_{0};
};

}  // namespace sy::routing
