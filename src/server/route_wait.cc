#include "server/route_wait.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <memory>

namespace sy::server {

namespace asio = boost::asio;

namespace {
// Time-based caps (rpm/tpm windows) free capacity without any event: the
// head waiter re-plans at least this often.
constexpr auto kPollInterval = std::chrono::milliseconds(50);
}  // namespace

bool must_wait(const routing::RoutePlan& plan) {
  if (plan.status == routing::PlanStatus::kWait) return plan.primary != nullptr;
  return plan.status == routing::PlanStatus::kReady && plan.primary != nullptr &&
         plan.primary->queue && plan.primary->queue->has_waiters(plan.primary->name);
}

asio::awaitable<void> wait_for_capacity(asio::io_context& io,
                                                      const routing::RoutingTable& table,
                                                      const routing::RequestFacts& facts,
                                                      routing::RoutePlan& plan,
                                                      const routing::Clock& clock,
                                                      routing::Rng& rng) {
  const routing::GroupRuntime& group = *plan.primary;
  routing::WaitQueue& queue = *group.queue;
  // The wake may come from another worker's thread, after this request left:
  // it only posts a cancel of a timer it co-owns.
  auto timer = std::make_shared<asio::steady_timer>(io);
  auto ticket = queue.join(group.name, clock.now_ns(), [timer, executor = io.get_executor()] {
    asio::post(executor, [timer] { timer->cancel(); });
  });
  if (!ticket) co_return;  // the queue is full or off: answer now
  for (;;) {
    const int64_t now = clock.now_ns();
    const routing::WaitQueue::Turn turn = queue.turn(*ticket, now);
    if (turn == routing::WaitQueue::Turn::kExpired) {
      plan.status = routing::PlanStatus::kWait;
      co_return;
    }
    if (turn == routing::WaitQueue::Turn::kFirst) {
      plan = routing::make_plan(table, facts, clock.now_ns(), rng);
      if (plan.status != routing::PlanStatus::kWait) co_return;  // leaving wakes the next
    }
    const auto left = std::chrono::nanoseconds(ticket->deadline_ns() - now);
    timer->expires_after(std::min<std::chrono::nanoseconds>(left, kPollInterval));
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace sy::server
