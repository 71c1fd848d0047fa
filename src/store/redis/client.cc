#include "store/redis/client.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <charconv>
#include <future>

namespace sy::store::redis {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Batches taken per pipeline round; bounds the bytes buffered per round.
constexpr size_t kMaxJobsPerRound = 512;
// How often the offset between Redis's clock and ours is measured again.
constexpr auto kClockRefresh = std::chrono::seconds(10);
// Taken off every reply deadline: clock drift between two measurements.
constexpr int64_t kDeadlineSafetyUs = 1000;

int64_t steady_us(SteadyClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}


StoreError unavailable(std::string message) {
  return {StoreError::Code::kUnavailable, std::move(message)};
}

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

std::string sha1_hex(const std::string &body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(body.data(), body.size(), md, &len, EVP_sha1(), nullptr);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kDigits[md[i] >> 4]);
    out.push_back(kDigits[md[i] & 15]);
  }
  return out;
}

bool append_command(redisContext *c, const Command &cmd) {
  std::vector<const char *> argv;
  std::vector<size_t> lens;
  for (const auto &a : cmd) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(),
                                lens.data()) == REDIS_OK;
}

// Runs one command on a blocking context; false on I/O error (the context is
// then unusable).
bool run_one(redisContext *c, const Command &cmd, RedisReply &out) {
  if (!append_command(c, cmd))
    return false;
  void *raw = nullptr;
  if (redisGetReply(c, &raw) != REDIS_OK)
    return false;
  out = convert_reply(static_cast<redisReply *>(raw));
  freeReplyObject(raw);
  return true;
}

} // namespace

Expected<RedisEndpoint, StoreError> parse_redis_url(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) {
    return unexpected(StoreError{StoreError::Code::kInvalid,
                                 "counters URL must start redis://"});
  }
  url.remove_prefix(kScheme.size());
  RedisEndpoint e;
  if (auto at = url.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = url.substr(0, at);
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      e.password = std::string(userinfo.substr(colon + 1));
    } else {
      e.password = std::string(userinfo);
    }
    url.remove_prefix(at + 1);
  }
  std::string_view hostport = url.substr(0, url.find('/'));
  if (auto slash = url.find('/'); slash != std::string_view::npos) {
    std::string_view db = url.substr(slash + 1);
    if (!db.empty()) {
      auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), e.db);
      if (ec != std::errc() || p != db.data() + db.size() || e.db < 0) {
        return unexpected(StoreError{StoreError::Code::kInvalid,
                                     "bad redis database number"});
      }
    }
  }
  if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    std::string_view port = hostport.substr(colon + 1);
    auto [p, ec] =
        std::from_chars(port.data(), port.data() + port.size(), e.port);
    if (ec != std::errc() || p != port.data() + port.size() || e.port <= 0 ||
        e.port > 65535) {
      return unexpected(
          StoreError{StoreError::Code::kInvalid, "bad redis port"});
    }
    hostport = hostport.substr(0, colon);
  }
  if (!hostport.empty())
    e.host = std::string(hostport);
  return e;
}

RedisReply convert_reply(const redisReply *r) {
  RedisReply out;
  if (r == nullptr)
    return out;
  switch (r->type) {
  case REDIS_REPLY_INTEGER:
    out.type = RedisReply::Type::kInteger;
    out.integer = r->integer;
    break;
  case REDIS_REPLY_STRING:
    out.type = RedisReply::Type::kString;
    out.str.assign(r->str, r->len);
    break;
  case REDIS_REPLY_STATUS:
    out.type = RedisReply::Type::kStatus;
    out.str.assign(r->str, r->len);
    break;
  case REDIS_REPLY_ERROR:
    out.type = RedisReply::Type::kError;
    out.str.assign(r->str, r->len);
    break;
  case REDIS_REPLY_ARRAY:
    out.type = RedisReply::Type::kArray;
    for (size_t i = 0; i < r->elements; ++i)
      out.elements.push_back(convert_reply(r->element[i]));
    break;
  default:
    break;
  }
  return out;
}

redisContext *connect_context(const RedisEndpoint &e,
                              const RedisOptions &options, std::string &error) {
  redisContext *c = redisConnectWithTimeout(
      e.host.c_str(), e.port, to_timeval(options.connect_timeout));
  if (c == nullptr || c->err) {
    error = c ? fmt::format("redis connect: {}", c->errstr)
              : "redis connect: out of memory";
    if (c)
      redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, to_timeval(options.command_timeout));
  redisEnableKeepAlive(c);
  auto run = [&](const Command &cmd) {
    if (!append_command(c, cmd))
      return false;
    void *raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK)
      return false;
    const bool ok = static_cast<redisReply *>(raw)->type != REDIS_REPLY_ERROR;
    freeReplyObject(raw);
    return ok;
  };
  if ((!e.password.empty() && !run({"AUTH", e.password})) ||
      (e.db != 0 && !run({"SELECT", std::to_string(e.db)}))) {
    error = "redis connect: AUTH or SELECT failed";
    redisFree(c);
    return nullptr;
  }
  return c;
}

RedisClient::RedisClient(RedisOptions options)
    : options_(std::move(options)), endpoint_(parse_redis_url(options_.url)) {
  thread_ = std::thread([this] { run(); });
}

RedisClient::~RedisClient() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable())
    thread_.join();
  drop_connection();
}

std::string RedisClient::register_script(const std::string &body) {
  std::string sha = sha1_hex(body);
  std::lock_guard lock(scripts_mutex_);
  scripts_.emplace(sha, body);
  return sha;
}

bool RedisClient::submit(std::vector<Command> commands, ReplyCallback done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.queue_capacity)
      return false;
    queue_.push_back({std::move(commands), std::move(done)});
  }
  wake_.notify_one();
  return true;
}

Expected<Replies, StoreError> RedisClient::call(std::vector<Command> commands) {
  auto promise =
      std::make_shared<std::promise<Expected<Replies, StoreError>>>();
  auto future = promise->get_future();
  if (!submit(std::move(commands), [promise](Expected<Replies, StoreError> r) {
        promise->set_value(std::move(r));
      })) {
    return unexpected(unavailable("redis: queue full"));
  }
  return future.get();
}

void RedisClient::drop_connection() {
  if (ctx_ != nullptr)
    redisFree(ctx_);
  ctx_ = nullptr;
  connected_.store(false, std::memory_order_relaxed);
}

bool RedisClient::ensure_connected(std::string &error) {
  if (ctx_ != nullptr)
    return true;
  if (!endpoint_) {
    error = endpoint_.error().message;
    return false;
  }
  if (SteadyClock::now() < next_connect_) {
    error = "redis: unreachable (reconnect backoff)";
    return false;
  }
  ctx_ = connect_context(*endpoint_, options_, error);
  if (ctx_ != nullptr && !prepare_connection(error)) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
  if (ctx_ == nullptr) {
    backoff_ = backoff_.count() == 0
                   ? options_.backoff_initial
                   : std::min(backoff_ * 2, options_.backoff_max);
    next_connect_ = SteadyClock::now() + backoff_;
    connected_.store(false, std::memory_order_relaxed);
    return false;
  }
  backoff_ = std::chrono::milliseconds(0);
  connected_.store(true, std::memory_order_relaxed);
  return true;
}

bool RedisClient::prepare_connection(std::string &error) {
  std::vector<std::string> bodies;
  {
    std::lock_guard lock(scripts_mutex_);
    for (const auto &[sha, body] : scripts_)
      bodies.push_back(body);
  }
  for (const auto &body : bodies) {
    RedisReply reply;
    if (!run_one(ctx_, {"SCRIPT", "LOAD", body}, reply) || reply.is_error()) {
      error = fmt::format("redis: SCRIPT LOAD failed: {}",
                          reply.is_error() ? reply.str : "I/O error");
      return false;
    }
  }
  return measure_clock(error);
}

bool RedisClient::measure_clock(std::string &error) {
  RedisReply reply;
  if (!run_one(ctx_, {"TIME"}, reply) || reply.type != RedisReply::Type::kArray ||
      reply.elements.size() != 2 || reply.elements[0].type != RedisReply::Type::kString ||
      reply.elements[1].type != RedisReply::Type::kString) {
    error = "redis: TIME failed";
    return false;
  }
  const auto received = SteadyClock::now();
  const int64_t redis_us = std::strtoll(reply.elements[0].str.c_str(), nullptr, 10) * 1'000'000 +
                           std::strtoll(reply.elements[1].str.c_str(), nullptr, 10);
  // Redis read its clock before we received the reply: redis_us - received
  // is the smallest offset consistent with the measurement.
  clock_offset_us_ = redis_us - steady_us(received);
  clock_measured_at_ = received;
  return true;
}

void RedisClient::stamp_deadlines(std::vector<Job> &jobs) const {
  // Every read or write of this round starts now or later and gives up only
  // after command_timeout without progress.
  const int64_t deadline =
      steady_us(SteadyClock::now()) + clock_offset_us_ +
      std::chrono::duration_cast<std::chrono::microseconds>(options_.command_timeout).count() -
      kDeadlineSafetyUs;
  std::string stamp;
  for (auto &job : jobs) {
    for (auto &cmd : job.commands) {
      for (auto &arg : cmd) {
        if (arg == kReplyDeadlineArg) {
          if (stamp.empty())
            stamp = std::to_string(deadline);
          arg = stamp;
        }
      }
    }
  }
}

void RedisClient::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_)
      break;
    std::vector<Job> jobs;
    while (!queue_.empty() && jobs.size() < kMaxJobsPerRound) {
      jobs.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    execute(jobs);
    lock.lock();
  }
}

void RedisClient::execute(std::vector<Job> &jobs) {
  std::string error;
  if (ctx_ != nullptr && SteadyClock::now() - clock_measured_at_ > kClockRefresh &&
      !measure_clock(error)) {
    drop_connection();  // this round fails now; the next one reconnects
    for (auto &job : jobs)
      job.done(unexpected(unavailable(error)));
    return;
  }
  if (!ensure_connected(error)) {
    for (auto &job : jobs)
      job.done(unexpected(unavailable(error)));
    return;
  }
  stamp_deadlines(jobs);
  // Phase 1: write every command of every job as one pipeline.
  bool io_ok = true;
  for (const auto &job : jobs) {
    for (const auto &cmd : job.commands)
      io_ok = io_ok && append_command(ctx_, cmd);
  }
  // Phase 2: read the replies in order. An I/O error or timeout kills the
  // connection: jobs not fully answered fail.
  std::vector<Replies> replies(jobs.size());
  size_t answered = 0;
  for (; io_ok && answered < jobs.size(); ++answered) {
    for (size_t k = 0; k < jobs[answered].commands.size(); ++k) {
      void *raw = nullptr;
      if (redisGetReply(ctx_, &raw) != REDIS_OK) {
        error = fmt::format("redis: {}",
                            ctx_->errstr[0] ? ctx_->errstr : "I/O error");
        io_ok = false;
        break;
      }
      replies[answered].push_back(
          convert_reply(static_cast<redisReply *>(raw)));
      freeReplyObject(raw);
    }
    if (!io_ok)
      break;
  }
  if (!io_ok) {
    if (error.empty())
      error = "redis: write failed";
    drop_connection();
  }
  // Phase 3: scripts Redis forgot (restart, SCRIPT FLUSH) are re-sent with
  // EVAL.
  for (size_t j = 0; j < answered && ctx_ != nullptr; ++j) {
    for (size_t k = 0; k < replies[j].size(); ++k) {
      const Command &cmd = jobs[j].commands[k];
      if (!replies[j][k].is_error() ||
          !replies[j][k].str.starts_with("NOSCRIPT") || cmd.size() < 2 ||
          cmd[0] != "EVALSHA") {
        continue;
      }
      Command eval = cmd;
      eval[0] = "EVAL";
      {
        std::lock_guard lock(scripts_mutex_);
        auto it = scripts_.find(cmd[1]);
        if (it == scripts_.end())
          continue;
        eval[1] = it->second;
      }
      void *raw = nullptr;
      if (!append_command(ctx_, eval) ||
          redisGetReply(ctx_, &raw) != REDIS_OK) {
        drop_connection();
        break;
      }
      replies[j][k] = convert_reply(static_cast<redisReply *>(raw));
      freeReplyObject(raw);
    }
  }
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (j < answered) {
      jobs[j].done(std::move(replies[j]));
    } else {
      jobs[j].done(unexpected(unavailable(error)));
    }
  }
}

} // namespace sy::store::redis
