// PgKeyStore: KeyStore on one PostgreSQL connection guarded by a mutex
// (admin, CLI and key reloads are rare; the hot path reads a snapshot).
// Each call first probes the connection (SELECT 1) and re-opens a broken one
// (bounded by connect_timeout), so a restarted database is picked up without a
// gateway restart. Thread-safe; see store/key_store.h for the contract.
#pragma once

#include <memory>
#include <mutex>

#include "store/key_store.h"
#include "store/postgres/connection.h"

namespace sy::store::postgres {

class PgKeyStore final : public KeyStore {
public:
  PgKeyStore(PgOptions options, std::unique_ptr<Connection> connection)
      : options_(std::move(options)), conn_(std::move(connection)) {}
  Expected<std::vector<std::pair<std::string, Micros>>, StoreError> credit_grant_totals() override;

  // KeyStore
  Expected<KeyRecord, StoreError> create(const KeyRecord &record) override;
  Expected<KeyRecord, StoreError> get(std::string_view id) override;
  Expected<KeyRecord, StoreError>
  get_by_hash(std::string_view key_hash) override;
  Expected<std::vector<KeyRecord>, StoreError> list() override;
  Expected<KeyRecord, StoreError> update(const KeyRecord &record) override;
  Expected<KeyRecord, StoreError> revoke(std::string_view id) override;
  Expected<KeyRecord, StoreError>
  add_credits(std::string_view id, Micros amount, int64_t now_ms) override;

private:
  Expected<Connection *, StoreError> connection(); // REQUIRES: mutex_ held
  Expected<KeyRecord, StoreError> get_locked(Connection &c, const char *where,
                                             std::string value);

  const PgOptions options_;
  std::mutex mutex_;
  std::unique_ptr<Connection> conn_; // GUARDED_BY(mutex_)
};

} // namespace sy::store::postgres
