// SendCoalescer: holds a busy event loop's socket writes until the end of its
// current pass and then issues them back to back.
//
// Why: the peers of a proxy (the client's load, the upstream) sleep in
// epoll_wait between messages. A write that finds its reader asleep wakes it,
// and waking a process on another CPU that went idle costs an
// inter-processor interrupt, which in a virtual machine is several
// microseconds on each side. A loop that writes every few microseconds while
// it works through a pass of ready events wakes its peers once per write; the
// same writes issued together wake each peer once per pass.
//
// Use: while at least two requests are in flight on the loop (`busy()`), a
// caller co_awaits write() instead of calling util::write_now directly. The
// coroutine is suspended; the first write of a pass posts a flush, which runs
// after the handlers already queued. The flush writes every held request's
// bytes (what each socket accepts right now, with util::write_now) and posts
// the resumption of the coroutines, in order, with (error, bytes written).
// Posted, they resume after the event loop's next poll: the reads they start
// next (the upstream's answer, the client's next request) then usually find
// their bytes already there instead of costing a recv that would block and
// a second one later. With fewer than two requests in flight there is
// nothing to coalesce and write_now is used directly, so an idle gateway's
// latency is unchanged.
//
// Contract: the socket must outlive the held write (it lives in the
// suspended coroutine's frame); a socket closed meanwhile completes with
// operation_aborted and nothing is written. Single-threaded: one per event
// loop, used on its thread only.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <vector>

namespace sy::util {

class SendCoalescer {
 public:
  using Handler = boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;
  static constexpr std::size_t kMaxBuffers = 4;

  // The count of requests in flight on the loop, kept by InFlight guards.
  // It lives outside the coalescer, declared before the io_context, so a
  // request's frame destroyed with the io_context's pending handlers (a
  // forced shutdown) still decrements a live counter.
  struct InFlightCount {
    std::size_t n = 0;
  };

  // Counts a request in flight for as long as it lives; nullptr: nothing.
  class InFlight {
   public:
    explicit InFlight(InFlightCount* c) : c_(c) {
      if (c_) ++c_->n;
    }
    ~InFlight() {
      if (c_) --c_->n;
    }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

   private:
    InFlightCount* c_;
  };

  SendCoalescer(boost::asio::any_io_executor ex, const InFlightCount& in_flight)
      : ex_(std::move(ex)), in_flight_(in_flight) {}
  ~SendCoalescer() { *alive_ = false; }
  SendCoalescer(const SendCoalescer&) = delete;
  SendCoalescer& operator=(const SendCoalescer&) = delete;

  // True when a write should go through write(): other requests are in
  // flight, or a flush is already due.
  bool busy() const { return in_flight_.n >= 2 || !held_.empty(); }

  // Holds the write of `buffers` until the flush; the completion gets the
  // bytes written then, a prefix of `buffers` (of its first kMaxBuffers
  // non-empty buffers at most), and an error only for a real failure
  // ("would block" just stops early). The caller writes any remainder.
  template <class ConstBufferSequence, class Token>
  auto write(boost::asio::ip::tcp::socket& socket, const ConstBufferSequence& buffers,
             Token&& token) {
    return boost::asio::async_initiate<Token,
                                       void(boost::system::error_code, std::size_t)>(
        [this, &socket, &buffers](auto handler) {
          Held h{&socket, {}, 0, Handler(std::move(handler)), {}, 0};
          for (auto it = boost::asio::buffer_sequence_begin(buffers);
               it != boost::asio::buffer_sequence_end(buffers) && h.count < kMaxBuffers; ++it) {
            boost::asio::const_buffer b(*it);
            if (b.size() != 0) h.buffers[h.count++] = b;
          }
          hold(std::move(h));
        },
        token);
  }

  std::size_t in_flight() const { return in_flight_.n; }
  std::size_t held() const { return held_.size(); }

 private:
  struct Held {
    boost::asio::ip::tcp::socket* socket;
    std::array<boost::asio::const_buffer, kMaxBuffers> buffers;
    std::size_t count;
    Handler handler;
    boost::system::error_code ec;  // the outcome, set by the flush
    std::size_t written = 0;
  };
  void hold(Held h);
  void flush();

  boost::asio::any_io_executor ex_;
  std::vector<Held> held_;
  std::vector<Held> spare_;  // an emptied batch, kept for its capacity
  const InFlightCount& in_flight_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sy::util
