// RedisCounters: the Counters contract on Redis, shared by every replica.
//
// Each admit/settle/release is ONE atomic Lua script (scripts.h) sent as one
// command through RedisClient, which pipelines concurrent requests: at most
// one Redis round trip per request, never a wait on the event loop.
// Reservation ids are random per instance with bit 63 set, so they never
// collide across replicas and never collide with fallback (local) ids.
// Reservations expire after `reservation_ttl`; an expired one (its replica
// crashed) returns to the balance at the key's next admission.
//
// Late admissions: the admit script gets the client's reply deadline
// (RedisClient's kReplyDeadlineArg) and refuses, changing nothing, when Redis
// runs it after that instant. So an admission this replica already gave up on
// (and answered with the fallback or a 503) never takes effect when a hung
// Redis resumes: no reservation is left holding the balance until it expires.
//
// Redis unreachable (every call still completes within the client's bounded
// timeouts): on_failure kOpen admits through a local MemoryCounters enforcing
// this replica's share (rpm, tpm, max_parallel, remaining budget and credits
// divided by `replicas`); reservations made there settle there, and each
// settled charge goes to a SpendJournal. The journal is replayed into Redis
// with an idempotent script (keyed by a per-replica unique id) as soon as
// Redis answers: before this replica's next admission of the same key (in
// the same pipeline), and by a background reconciler every
// `reconcile_interval` for all keys. When the journal is full the fallback
// refuses like kClosed. A key's local balance is forgotten when Redis admits
// it again, so the next outage starts from the key table's current balance.
// kClosed refuses every admission with kUnavailableOutcome (see below).
// Settles and releases of Redis reservations that fail are journaled too and
// retried (the finish script is idempotent).
//
// Thread-safe. Callbacks of the *_async methods run on the client's thread.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "store/async_counters.h"
#include "store/memory_counters.h"
#include "store/redis/client.h"
#include "store/redis/journal.h"

namespace sy::store::redis {

enum class FailureMode { kOpen, kClosed };

// Admission outcome used to refuse while Redis is unreachable in kClosed
// mode: the governor answers 503 counters_unavailable.
inline constexpr Admission::Outcome kUnavailableOutcome = Admission::Outcome::kUnavailable;

struct RedisCountersOptions {
  RedisOptions redis;
  // `on_counter_failure:` open | closed. Default: open.
  FailureMode on_failure = FailureMode::kOpen;
  // Replicas sharing the limits; in open fallback each enforces 1/replicas.
  // Default: 1. REQUIRES: >= 1.
  int replicas = 1;
  // A reservation not settled within this time is returned to the balance.
  // Must exceed the longest request (streams). YAML `reservation_ttl`.
  // Default: 15 min.
  std::chrono::milliseconds reservation_ttl{15 * 60 * 1000};
  // Charges owed to Redis after an outage (see SpendJournal). Default: 100000
  // (about 10 MB). REQUIRES: >= 1.
  size_t journal_capacity = 100'000;
  // How often the background reconciler replays the journal. Default: 100 ms.
  std::chrono::milliseconds reconcile_interval{100};
  // Key prefix, so several gateways can share one Redis. Default: "sy:".
  std::string prefix = "sy:";
};

FailureMode parse_failure_mode(std::string_view s,
                               FailureMode fallback = FailureMode::kOpen);

class RedisCounters final : public AsyncCounters {
public:
  explicit RedisCounters(RedisCountersOptions options);
  ~RedisCounters() override;

  // AsyncCounters
  boost::asio::awaitable<Admission> admit(AdmitRequest request) override;
  boost::asio::awaitable<bool> settle(Reservation reservation,
                                      Settlement settlement) override;
  boost::asio::awaitable<bool> release(Reservation reservation) override;

  // Callback forms (callbacks run on the Redis client's thread or inline).
  void admit_async(AdmitRequest request, std::function<void(Admission)> done);
  void finish_async(Reservation reservation, const Settlement *settlement,
                    std::function<void(bool)> done);

  // Admin operations; blocking (bounded by the client's timeouts).
  void add_credits(std::string_view key_id, Micros amount,
                   const BalanceSeed &seed_after_top_up);
  void forget_balance(std::string_view key_id);
  LiveBalance balance(std::string_view key_id, int64_t now_ms);

  // Observability / tests.
  uint64_t redis_failures() const { return failures_.load(); }
  uint64_t refused_unavailable() const { return refused_.load(); }
  uint64_t local_admissions() const { return local_admissions_.load(); }
  // Admissions Redis refused because it ran them after the reply deadline.
  uint64_t late_admissions() const { return late_.load(); }
  // Charges and finishes not yet confirmed by Redis.
  size_t journal_size() const { return journal_.size(); }
  bool redis_connected() const { return client_.connected(); }
  static bool is_redis_reservation(uint64_t id) { return (id >> 63) != 0; }

private:
  struct Keys {
    std::string bal, rl, res, held, rec;
  };
  // Reconcile commands for journal entries of one key, and the ids each
  // command carries (confirmed together when it succeeds).
  struct Replay {
    std::vector<Command> commands;
    std::vector<std::vector<std::string>> ids;
    std::vector<std::string> key_ids;
  };
  Keys keys_for(std::string_view key_id) const;
  uint64_t next_reservation_id();
  Admission on_redis_failure(const AdmitRequest &request);
  AdmitRequest local_share(const AdmitRequest &request) const;
  Command finish_command(const Reservation &reservation,
                         const Settlement *settlement) const;
  void add_replay(Replay &replay, const std::vector<JournalEntry> &entries,
                  bool debits_only) const;
  void confirm_replay(const Replay &replay, const Replies &replies,
                      size_t first);
  void redis_answered(const std::string &key_id);
  void reconcile_loop();

  const RedisCountersOptions options_;
  RedisClient client_;
  std::string admit_sha_;
  std::string finish_sha_;
  std::string credits_sha_;
  std::string reconcile_sha_;
  MemoryCounters local_; // open-mode fallback
  SpendJournal journal_; // what local_ and failed finishes owe Redis
  std::string journal_prefix_; // unique per instance: "<random hex>:"
  uint64_t instance_bits_;
  std::atomic<uint32_t> counter_{0};
  std::atomic<uint64_t> failures_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> local_admissions_{0};
  std::atomic<uint64_t> late_{0};

  // Keys whose local balance was seeded during an outage.
  std::mutex fallback_mutex_;
  std::unordered_set<std::string> fallback_keys_; // GUARDED_BY(fallback_mutex_)
  std::atomic<bool> any_fallback_keys_{false};

  std::mutex reconcile_mutex_;
  std::condition_variable reconcile_wake_;
  bool stopping_ = false; // GUARDED_BY(reconcile_mutex_)
  std::thread reconciler_; // last: starts after everything above exists
};

// The synchronous Counters interface over RedisCounters, for KeyService
// (add_credits, forget_balance, balance) and tests. Every call blocks the
// calling thread until Redis answers (bounded): never use on an event loop.
// Does not own `counters`.
class BlockingRedisCounters final : public Counters {
public:
  explicit BlockingRedisCounters(RedisCounters &counters)
      : counters_(counters) {}
  // Counters
  Admission admit(const AdmitRequest &request) override;
  bool settle(const Reservation &reservation,
              const Settlement &settlement) override;
  bool release(const Reservation &reservation) override;
  void add_credits(std::string_view key_id, Micros amount,
                   const BalanceSeed &seed_after_top_up) override;
  void forget_balance(std::string_view key_id) override;
  LiveBalance balance(std::string_view key_id, int64_t now_ms) override;

private:
  RedisCounters &counters_;
};

} // namespace sy::store::redis
