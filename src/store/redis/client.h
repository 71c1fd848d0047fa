// RedisClient: one Redis connection served by a dedicated thread using the
// blocking hiredis API, with a bounded queue and automatic pipelining.
//
// Why a thread rather than an Asio adapter for redisAsyncContext: hiredis
// 0.14 (Debian 12) has no connect timeout for async contexts and no Asio
// adapter; the blocking API gives bounded connect, read and write timeouts for
// free (SO_RCVTIMEO/SO_SNDTIMEO). The cost is one thread and one hop per
// batch; the thread drains EVERYTHING queued and sends it as one pipeline, so
// under load many requests share one round trip and throughput does not
// depend on the round-trip time. Event loops never block: callers submit and
// get a callback (RedisCounters turns it into an awaitable).
//
// Bounded waiting: a submitted batch completes (with replies or an error)
// within queue wait + connect_timeout + command_timeout. While disconnected,
// reconnects back off (backoff_initial doubling to backoff_max) and batches
// fail immediately in between. submit() refuses when queue_capacity batches
// are waiting. Every registered script is loaded (SCRIPT LOAD) on each new
// connection, before any job runs on it, so EVALSHA finds it even right after
// a Redis restart and pipelined scripts keep their order. A NOSCRIPT reply
// (SCRIPT FLUSH on a live connection) is still retried with EVAL.
//
// Reply deadline: an argument equal to kReplyDeadlineArg is replaced, when
// its batch is written, by the time on REDIS's clock (microseconds, as from
// TIME) before which this client is certain to still be waiting for the
// reply. A script comparing it with TIME can refuse to act once the client
// may have given up (timed out), so a command Redis runs late (it was hung)
// takes no effect nobody will hear about. The offset between Redis's clock
// and this host's steady clock is measured with TIME at connect and every
// 10 s; the lower bound of the measurement is used, so the deadline errs
// early by at most the round-trip time.
// Thread-safe. Callbacks run on the client's thread: keep them short (post).
#pragma once

#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/store_error.h"
#include "util/expected.h"

namespace sy::store::redis {

struct RedisOptions {
  // redis://[:password@]host[:port][/db]. Default port 6379, db 0.
  std::string url = "redis://127.0.0.1:6379/0";
  std::chrono::milliseconds connect_timeout{250}; // Default: 250 ms.
  std::chrono::milliseconds command_timeout{
      250};                       // per read/write. Default: 250 ms.
  size_t queue_capacity = 10'000; // batches waiting. Default: 10000.
  std::chrono::milliseconds backoff_initial{50}; // Default: 50 ms.
  std::chrono::milliseconds backoff_max{2000};   // Default: 2 s.
};

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string password;
};
// Parses a redis:// URL; nullopt-like error when malformed.
Expected<RedisEndpoint, StoreError> parse_redis_url(std::string_view url);

struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string str; // string, status or error text
  std::vector<RedisReply> elements;
  bool is_error() const { return type == Type::kError; }
};

using Command = std::vector<std::string>;

// Sentinel argument the client replaces with the reply deadline in µs when it
// sends the command; see "Reply deadline" above.
inline constexpr std::string_view kReplyDeadlineArg = "\x01sy:reply-deadline-us";
using Replies = std::vector<RedisReply>; // one per command, in order
using ReplyCallback = std::function<void(Expected<Replies, StoreError>)>;

// Connects a blocking context with the options' timeouts, AUTH and SELECT.
// Returns nullptr and sets `error` on failure. The caller owns the context.
redisContext *connect_context(const RedisEndpoint &endpoint,
                              const RedisOptions &options, std::string &error);
RedisReply convert_reply(const redisReply *reply);

class RedisClient {
public:
  explicit RedisClient(RedisOptions options);
  ~RedisClient();
  RedisClient(const RedisClient &) = delete;
  RedisClient &operator=(const RedisClient &) = delete;

  // Makes `body` callable as EVALSHA <returned sha1>. Call before submitting.
  std::string register_script(const std::string &body);
  // Queues `commands` to run back to back (pipelined); `done` gets one reply
  // per command or one error. Returns false (and never calls `done`) when the
  // queue is full or the client is stopping.
  bool submit(std::vector<Command> commands, ReplyCallback done);
  // Blocking convenience for admin paths: waits for the replies.
  Expected<Replies, StoreError> call(std::vector<Command> commands);
  // Whether the last attempt to talk to Redis succeeded.
  bool connected() const { return connected_.load(std::memory_order_relaxed); }

private:
  struct Job {
    std::vector<Command> commands;
    ReplyCallback done;
  };
  void run();
  bool ensure_connected(std::string &error);
  // Loads the scripts and measures the clock offset on a fresh connection.
  bool prepare_connection(std::string &error);
  bool measure_clock(std::string &error);
  void stamp_deadlines(std::vector<Job> &jobs) const;
  void execute(std::vector<Job> &jobs);
  void drop_connection();

  const RedisOptions options_;
  Expected<RedisEndpoint, StoreError> endpoint_;
  std::mutex scripts_mutex_;
  std::map<std::string, std::string>
      scripts_; // sha1 → body; GUARDED_BY(scripts_mutex_)

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_; // GUARDED_BY(mutex_)
  bool stopping_ = false; // GUARDED_BY(mutex_)

  // Worker thread only.
  redisContext *ctx_ = nullptr;
  std::chrono::steady_clock::time_point next_connect_{};
  std::chrono::milliseconds backoff_{0};
  // Redis TIME (µs) minus this host's steady clock (µs), lower bound.
  int64_t clock_offset_us_ = 0;
  std::chrono::steady_clock::time_point clock_measured_at_{};

  std::atomic<bool> connected_{false};
  std::thread thread_;
};

} // namespace sy::store::redis
