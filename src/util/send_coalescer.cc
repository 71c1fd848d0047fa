#include "util/send_coalescer.h"

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <span>

#include "util/write_now.h"

namespace sy::util {

void SendCoalescer::hold(Held h) {
  held_.push_back(std::move(h));
  if (held_.size() > 1) return;
  boost::asio::post(ex_, [this, alive = alive_] {
    if (*alive) flush();
  });
}

void SendCoalescer::flush() {
  // The batch takes the spare vector's capacity, so a steady stream of passes
  // allocates nothing.
  std::vector<Held> batch = std::move(spare_);
  batch.clear();
  batch.swap(held_);  // writes held from now on go to the next pass
  for (Held& h : batch) {
    if (!h.socket->is_open()) {
      h.ec = boost::asio::error::operation_aborted;
      continue;
    }
    const std::span<const boost::asio::const_buffer> buffers(h.buffers.data(), h.count);
    h.written = write_now(*h.socket, buffers, h.ec);
  }
  // Every write went out; the writers resume after the next poll.
  boost::asio::post(ex_, [this, alive = alive_, batch = std::move(batch)]() mutable {
    for (Held& h : batch) std::move(h.handler)(h.ec, h.written);
    if (!*alive) return;  // a writer's resumption destroyed the coalescer
    batch.clear();
    if (batch.capacity() > spare_.capacity()) spare_ = std::move(batch);
  });
}

}  // namespace sy::util
