// SpendJournal: what this replica owes Redis after it could not reach it —
// charges settled by the open-mode local fallback (kDebit), and settles or
// releases of Redis reservations whose command failed (kFinish). RedisCounters
// replays them once Redis answers again, with idempotent scripts keyed by the
// entry's id, and drops them from here when Redis confirmed them.
//
// Bounded: at most `capacity` entries plus holds. A hold is a slot taken by a
// local admission before it is made, so the charge of every locally admitted
// request is sure to fit when it settles; when no slot is free, the local
// fallback refuses (the caller answers 503 counters_unavailable, as in
// closed mode) instead of admitting spend Redis would never learn about.
// A failed finish that does not fit is dropped and counted (its reservation
// then expires after reservation_ttl; the ledger keeps the durable charge).
//
// Memory only: a replica that dies with entries loses them (the ledger still
// holds the charges, and Redis re-seeds from it only when it lost its data).
// Thread-safe (one mutex, never held across I/O).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/money.h"

namespace sy::store::redis {

struct JournalEntry {
  enum class Kind {
    kDebit,   // a local charge: apply `cost` at `at_ms` (reconcile script)
    kFinish,  // a Redis reservation to settle (settle) or release (finish script)
  };
  Kind kind = Kind::kDebit;
  std::string id;  // unique across replicas; kFinish: the reservation id
  std::string key_id;
  Micros cost = 0;
  int64_t tokens = 0;
  int64_t at_ms = 0;
  bool settle = true;  // kFinish only
};

class SpendJournal {
 public:
  // REQUIRES: capacity >= 1.
  explicit SpendJournal(size_t capacity) : capacity_(capacity) {}

  // Takes a slot for a charge to come; false when the journal is full.
  bool try_hold();
  // Gives a slot back (the local reservation was released, or cost nothing).
  void drop_hold();
  // Turns a hold into `entry`. REQUIRES: a hold taken with try_hold().
  void add_held(JournalEntry entry);
  // Adds an entry without a hold; false (and counted) when full.
  bool try_add(JournalEntry entry);

  // Copies of the pending entries of one key / of up to `max` entries.
  std::vector<JournalEntry> pending_for(std::string_view key_id) const;
  std::vector<JournalEntry> pending(size_t max) const;
  // Removes the entries of `key_id` with these ids (Redis confirmed them).
  void confirm(std::string_view key_id, const std::vector<std::string>& ids);

  size_t size() const;
  size_t holds() const;
  uint64_t dropped() const;

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<JournalEntry>> by_key_;  // GUARDED_BY(mutex_)
  std::atomic<size_t> entries_{0};  // written under mutex_; read without it
  size_t holds_ = 0;                                                   // GUARDED_BY(mutex_)
  uint64_t dropped_ = 0;                                               // GUARDED_BY(mutex_)
};

}  // namespace sy::store::redis
