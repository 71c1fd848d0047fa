// Structured access log: one JSON object per line per request.
//
// format_access_line() runs on the worker thread. Every string field is
// passed through redact_secrets() and JSON-escaped (invalid UTF-8 becomes
// U+FFFD), so a line is always valid JSON and never carries a bearer token or
// an "sk-"-style key even if one is handed in by mistake. Prompt and
// completion text appear only when `include_text` is set, each cut to
// `max_text_bytes`.
//
// AccessLogWriter hands finished lines to background writers through a
// bounded lock-free queue: submit() never blocks and never allocates beyond
// moving the string in; when the queue is full the line is dropped and
// counted. stop() (or the destructor) writes everything queued, then flushes.
// submit() is safe from any number of threads. The routine writer runs at
// SCHED_IDLE so it never delays a request worker sharing its core; a
// normal-priority catch-up writer checks every 20 ms and writes whenever the
// queue is a quarter full (see util/thread_priority.h).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/request_summary.h"

namespace sy::telemetry {

struct AccessLogFormat {
  bool include_text = false;          // Default: off. Log prompt and completion text.
  std::size_t max_text_bytes = 4096;  // Default: 4096. Per text field, when included.
};

// One line, terminated by '\n'.
std::string format_access_line(const RequestSummary& r, const AccessLogFormat& format = {});

// RFC 3339 UTC with milliseconds, e.g. "2025-01-31T12:00:00.123Z".
std::string format_rfc3339_ms(std::chrono::system_clock::time_point t);
// The same, appended to `out`.
void append_rfc3339_ms(std::string& out, std::chrono::system_clock::time_point t);

struct AccessLogOptions {
  std::string path = "-";             // Default: "-" (stdout). Else a file, appended to.
  std::size_t queue_capacity = 8192;  // Default: 8192 lines; rounded up to a power of two.
  bool idle_priority_writer = true;   // Default: true. Routine writes at SCHED_IDLE.
};

class AccessLogWriter {
 public:
  // Opens the file (throws std::runtime_error when it cannot; start-up only)
  // and starts the writer thread.
  explicit AccessLogWriter(AccessLogOptions options);
  ~AccessLogWriter();
  AccessLogWriter(const AccessLogWriter&) = delete;
  AccessLogWriter& operator=(const AccessLogWriter&) = delete;

  // Queues a line; false (and counted in dropped()) when the queue is full or
  // the writer stopped.
  bool submit(std::string line);
  // Writes every queued line, flushes and joins the thread. Idempotent.
  void stop();

  uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t write_errors() const { return write_errors_.load(std::memory_order_relaxed); }

 private:
  struct Cell {
    std::atomic<std::size_t> sequence;
    std::string line;
  };
  bool try_push(std::string& line);
  bool try_pop(std::string& line);
  std::size_t queued() const;  // approximate
  // Writes queued lines, about `max_bytes` of them, in one write(); the
  // number written.
  std::size_t write_some(std::size_t max_bytes);
  void run_idle_writer();
  void run_catch_up_writer();
  void write_batch(const std::string& batch);

  // Bounded MPMC ring (D. Vyukov's design): each cell's sequence says whose turn it is.
  std::unique_ptr<Cell[]> cells_;
  std::size_t mask_;
  alignas(64) std::atomic<std::size_t> enqueue_pos_{0};
  alignas(64) std::atomic<std::size_t> dequeue_pos_{0};

  int fd_ = -1;
  bool owns_fd_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> write_errors_{0};
  std::mutex write_mutex_;
  std::string batch_;  // GUARDED_BY(write_mutex_)
  std::string line_;   // GUARDED_BY(write_mutex_)
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::thread idle_writer_;
  std::thread catch_up_writer_;
};

}  // namespace sy::telemetry
