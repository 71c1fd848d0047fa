// SqliteKeyStore: KeyStore on one SQLite connection guarded by a mutex
// (admin and CLI traffic is rare; the hot path never calls it).
// Thread-safe. See store/key_store.h for the contract.
#pragma once

#include <memory>
#include <mutex>

#include "store/key_store.h"
#include "store/sqlite/db.h"

namespace sy::store::sqlite {

class SqliteKeyStore final : public KeyStore {
 public:
  explicit SqliteKeyStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}
  Expected<std::vector<std::pair<std::string, Micros>>, StoreError> credit_grant_totals() override;

  // KeyStore
  Expected<KeyRecord, StoreError> create(const KeyRecord& record) override;
  Expected<KeyRecord, StoreError> get(std::string_view id) override;
  Expected<KeyRecord, StoreError> get_by_hash(std::string_view key_hash) override;
  Expected<std::vector<KeyRecord>, StoreError> list() override;
  Expected<KeyRecord, StoreError> update(const KeyRecord& record) override;
  Expected<KeyRecord, StoreError> revoke(std::string_view id) override;
  Expected<KeyRecord, StoreError> add_credits(std::string_view id, Micros amount,
                                              int64_t now_ms) override;

 private:
  Expected<KeyRecord, StoreError> get_locked(std::string_view column, std::string_view value);

  std::mutex mutex_;
  std::unique_ptr<Db> db_;
};

// JSON array of strings <-> vector, for the models column. Invalid text → empty.
std::string models_to_json(const std::vector<std::string>& models);
std::vector<std::string> models_from_json(std::string_view json);

}  // namespace sy::store::sqlite
