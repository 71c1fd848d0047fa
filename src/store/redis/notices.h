// RedisNotices: key revocation and config-change notices between replicas
// over Redis pub/sub, so every replica drops a revoked key within a second.
//
// A subscriber thread holds its own connection SUBSCRIBEd to `channel` and
// calls `on_notice` for every message (and for a {kind "resync"} notice after
// each REconnect, since messages published while it was away are lost: the
// callback should then reload everything). The lead wires on_notice to
// KeyRegistry::reload(key_store) (and Counters::forget_balance for "credits").
// publish() sends on a separate connection; blocking and bounded (admin path).
// The callback runs on the subscriber thread and must not block for long.
// Thread-safe; destruction stops the thread within ~100 ms.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "store/redis/client.h"

namespace sy::store::redis {

struct Notice {
  std::string kind;    // "revoke", "keys", "config", "credits", "resync"
  std::string subject; // e.g. the key id; may be empty
};

// "kind:subject" on the wire.
std::string encode_notice(const Notice &notice);
Notice decode_notice(std::string_view payload);

class RedisNotices {
public:
  RedisNotices(RedisOptions options, std::string channel,
               std::function<void(const Notice &)> on_notice);
  ~RedisNotices();
  RedisNotices(const RedisNotices &) = delete;
  RedisNotices &operator=(const RedisNotices &) = delete;

  Expected<bool, StoreError> publish(const Notice &notice);
  // True while the subscriber connection is up and subscribed.
  bool subscribed() const { return subscribed_.load(); }

private:
  void run();

  const RedisOptions options_;
  const std::string channel_;
  std::function<void(const Notice &)> on_notice_;
  RedisClient publisher_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> subscribed_{false};
  std::thread thread_;
};

} // namespace sy::store::redis
