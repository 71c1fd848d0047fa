#include "store/redis/notices.h"

#include <poll.h>

#include <chrono>

namespace sy::store::redis {
namespace {

constexpr int kPollMs = 100;
// Subscriber messages larger than this are a protocol violation (bounded
// reads).
constexpr size_t kMaxNoticeBytes = 64 * 1024;

} // namespace

std::string encode_notice(const Notice &n) { return n.kind + ":" + n.subject; }

Notice decode_notice(std::string_view payload) {
  const auto colon = payload.find(':');
  if (colon == std::string_view::npos)
    return {std::string(payload), {}};
  return {std::string(payload.substr(0, colon)),
          std::string(payload.substr(colon + 1))};
}

RedisNotices::RedisNotices(RedisOptions options, std::string channel,
                           std::function<void(const Notice &)> on_notice)
    : options_(std::move(options)), channel_(std::move(channel)),
      on_notice_(std::move(on_notice)), publisher_(options_) {
  thread_ = std::thread([this] { run(); });
}

RedisNotices::~RedisNotices() {
  stopping_ = true;
  if (thread_.joinable())
    thread_.join();
}

Expected<bool, StoreError> RedisNotices::publish(const Notice &notice) {
  auto r = publisher_.call({{"PUBLISH", channel_, encode_notice(notice)}});
  if (!r)
    return unexpected(r.error());
  if ((*r)[0].is_error())
    return unexpected(StoreError{StoreError::Code::kUnavailable, (*r)[0].str});
  return true;
}

void RedisNotices::run() {
  auto endpoint = parse_redis_url(options_.url);
  if (!endpoint)
    return;
  redisContext *ctx = nullptr;
  bool ever_subscribed = false;
  auto backoff = options_.backoff_initial;
  auto drop = [&] {
    if (ctx)
      redisFree(ctx);
    ctx = nullptr;
    subscribed_ = false;
  };
  while (!stopping_) {
    if (ctx == nullptr) {
      std::string error;
      ctx = connect_context(*endpoint, options_, error);
      void *raw = nullptr;
      const bool ok = ctx != nullptr &&
                      redisAppendCommand(ctx, "SUBSCRIBE %b", channel_.data(),
                                         channel_.size()) == REDIS_OK &&
                      redisGetReply(ctx, &raw) == REDIS_OK;
      if (raw)
        freeReplyObject(raw);
      if (!ok) {
        drop();
        // Sleep in short steps so destruction stays prompt.
        for (auto slept = std::chrono::milliseconds(0);
             slept < backoff && !stopping_;
             slept += std::chrono::milliseconds(kPollMs)) {
          std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
        }
        backoff = std::min(backoff * 2, options_.backoff_max);
        continue;
      }
      backoff = options_.backoff_initial;
      subscribed_ = true;
      if (ever_subscribed)
        on_notice_({"resync", ""});
      ever_subscribed = true;
    }
    void *raw = nullptr;
    if (redisGetReplyFromReader(ctx, &raw) != REDIS_OK) {
      drop();
      continue;
    }
    if (raw == nullptr) {
      pollfd p{ctx->fd, POLLIN, 0};
      const int rc = ::poll(&p, 1, kPollMs);
      if (rc > 0 && redisBufferRead(ctx) != REDIS_OK)
        drop();
      continue;
    }
    const RedisReply reply = convert_reply(static_cast<redisReply *>(raw));
    freeReplyObject(raw);
    if (reply.type == RedisReply::Type::kArray && reply.elements.size() == 3 &&
        reply.elements[0].str == "message" &&
        reply.elements[2].str.size() <= kMaxNoticeBytes) {
      on_notice_(decode_notice(reply.elements[2].str));
    }
  }
  drop();
}

} // namespace sy::store::redis
