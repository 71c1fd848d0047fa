// Long-lived services the request path uses besides configuration: the key
// and ledger store (SQLite, or PostgreSQL shared by replicas), rate-limit
// and budget counters (in memory, or Redis shared by replicas), the key
// registry (an immutable snapshot swapped on change), the governor, the
// admin API, and Redis pub/sub notices that make every replica reload keys
// at once after a change. Opened once at start-up (errors are start-up
// errors); thread-safe to use from every worker; outlives the Server.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>
#include <optional>
#include <string>

#include "config/config.h"
#include "governance/admin.h"
#include "governance/async_admission.h"
#include "governance/key_service.h"
#include "governance/key_table.h"
#include "store/async_counters.h"
#include "store/clock.h"
#include "store/memory_counters.h"
#include "store/postgres/store.h"
#include "store/redis/counters.h"
#include "store/redis/notices.h"
#include "store/sqlite/store.h"
#include "util/expected.h"

namespace sy::server {

struct Services {
  const store::Clock& clock = store::SystemClock::instance();

  // Exactly one store backend is open; key_store/ledger point into it.
  std::optional<store::sqlite::SqliteStore> sqlite;
  std::optional<store::postgres::PostgresStore> postgres;
  store::KeyStore* key_store = nullptr;
  store::Ledger* ledger = nullptr;

  // Counters: in memory, or Redis. `counters` is the synchronous view (key
  // service: balances, top-ups); `async_counters` is what requests use.
  std::unique_ptr<store::MemoryCounters> memory;
  std::unique_ptr<store::redis::RedisCounters> redis;
  std::unique_ptr<store::redis::BlockingRedisCounters> redis_blocking;
  std::unique_ptr<store::SyncCountersAdapter> memory_async;
  store::Counters* counters = nullptr;
  store::AsyncCounters* async_counters = nullptr;

  governance::KeyRegistry registry;
  std::unique_ptr<governance::KeyService> keys;
  std::unique_ptr<governance::AsyncGovernor> governor;
  std::unique_ptr<governance::AdminContext> admin;  // null when no admin_key is configured
  std::unique_ptr<store::redis::RedisNotices> notices;  // with Redis counters

  // Keys are required when any exists or the config says so.
  bool keys_required(const config::Config& cfg) const {
    return cfg.require_keys || registry.snapshot()->size() > 0;
  }
  // Re-reads the key table from the store (periodically, and on notices),
  // and applies credit grants made outside this process (CLI, other
  // replicas with in-memory counters) to the live balances.
  void reload_keys();
  // Runs an admin API call; grants it makes are applied by the key service
  // itself, so they are marked as seen and never applied twice.
  governance::AdminResponse admin_call(const governance::AdminRequest& request);
  // Tells other replicas that keys changed (no-op without Redis).
  void announce_key_change();

  ~Services();

  // Records the current grant totals; with `apply`, adds grants not seen
  // before to the live balances. REQUIRES: keys_mutex_ held.
  void sync_grants_locked(bool apply);
  std::mutex keys_mutex_;

 private:
  std::unordered_map<std::string, store::Micros> grants_seen_;  // GUARDED_BY(keys_mutex_)
};

// The SQLite path of a `store:` URL ("sqlite://PATH"), or an error.
Expected<std::string, std::string> sqlite_path(const std::string& store_url);

Expected<std::unique_ptr<Services>, std::string> open_services(const config::Config& cfg);

}  // namespace sy::server
