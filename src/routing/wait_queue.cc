#include "routing/wait_queue.h"

#include <algorithm>

namespace sy::routing {

WaitQueue::Ticket::Ticket(Ticket&& o) noexcept
    : queue_(std::exchange(o.queue_, nullptr)),
      key_(std::move(o.key_)),
      id_(o.id_),
      deadline_ns_(o.deadline_ns_) {}

WaitQueue::Ticket::~Ticket() {
  if (queue_ != nullptr) queue_->leave(*this);
}

std::optional<WaitQueue::Ticket> WaitQueue::join(std::string_view key, int64_t now_ns, Wake wake) {
  if (options_.max_waiting <= 0) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = fifos_.find(key);
  if (it == fifos_.end()) it = fifos_.emplace(std::string(key), std::deque<Waiter>{}).first;
  // Expired waiters that were never collected do not hold places.
  if (static_cast<int>(std::count_if(it->second.begin(), it->second.end(), [&](const Waiter& w) {
        return w.deadline_ns > now_ns;
      })) >= options_.max_waiting) {
    return std::nullopt;
  }
  const uint64_t id = next_id_++;
  const int64_t deadline = now_ns + std::chrono::duration_cast<Nanos>(options_.timeout).count();
  it->second.push_back({id, deadline, std::move(wake)});
  total_.fetch_add(1, std::memory_order_relaxed);
  return Ticket(this, std::string(key), id, deadline);
}

WaitQueue::Turn WaitQueue::turn(const Ticket& t, int64_t now_ns) const {
  if (now_ns >= t.deadline_ns_) return Turn::kExpired;
  std::lock_guard lock(mu_);
  auto it = fifos_.find(t.key_);
  if (it == fifos_.end()) return Turn::kExpired;
  // The first waiter not yet expired is the head.
  for (const Waiter& w : it->second) {
    if (w.deadline_ns <= now_ns) continue;
    return w.id == t.id_ ? Turn::kFirst : Turn::kBehind;
  }
  return Turn::kExpired;
}

void WaitQueue::notify(std::string_view key) {
  if (total_.load(std::memory_order_relaxed) == 0) return;
  Wake wake;
  {
    std::lock_guard lock(mu_);
    auto it = fifos_.find(key);
    if (it == fifos_.end() || it->second.empty()) return;
    wake = it->second.front().wake;
  }
  if (wake) wake();
}

void WaitQueue::leave(const Ticket& t) {
  Wake wake;
  {
    std::lock_guard lock(mu_);
    auto it = fifos_.find(t.key_);
    if (it == fifos_.end()) return;
    auto& fifo = it->second;
    auto w = std::find_if(fifo.begin(), fifo.end(), [&](const Waiter& x) { return x.id == t.id_; });
    if (w == fifo.end()) return;
    const bool was_head = w == fifo.begin();
    fifo.erase(w);
    total_.fetch_sub(1, std::memory_order_relaxed);
    if (was_head && !fifo.empty()) wake = fifo.front().wake;
    if (fifo.empty()) fifos_.erase(it);
  }
  if (wake) wake();
}

bool WaitQueue::has_waiters(std::string_view key) const {
  if (total_.load(std::memory_order_relaxed) == 0) return false;
  std::lock_guard lock(mu_);
  auto it = fifos_.find(key);
  return it != fifos_.end() && !it->second.empty();
}

size_t WaitQueue::waiting(std::string_view key) const {
  std::lock_guard lock(mu_);
  auto it = fifos_.find(key);
  return it == fifos_.end() ? 0 : it->second.size();
}

}  // namespace sy::routing
