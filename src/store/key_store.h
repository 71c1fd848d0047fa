// KeyStore: durable home of virtual keys (SQLite now; PostgreSQL later).
//
// Contract:
// - All methods are thread-safe and blocking (they may do disk or network
//   I/O): call them from the admin path, the CLI or start-up, never from the
//   per-request hot path, which reads an immutable snapshot instead.
// - Errors are values (StoreError); no exceptions.
// - `spent` and `credits` in returned records are the durable balances, i.e.
//   the sum of ledger rows the Ledger has committed; live reservations are the
//   Counters' business.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/key_record.h"
#include "store/store_error.h"
#include "util/expected.h"

namespace sy::store {

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // Inserts `record` (id and key_hash must be unique). Returns the stored record.
  virtual Expected<KeyRecord, StoreError> create(const KeyRecord& record) = 0;
  virtual Expected<KeyRecord, StoreError> get(std::string_view id) = 0;
  virtual Expected<KeyRecord, StoreError> get_by_hash(std::string_view key_hash) = 0;
  // Every key, revoked ones included, ordered by creation time.
  virtual Expected<std::vector<KeyRecord>, StoreError> list() = 0;
  // Replaces the mutable settings (name, models, limits, budget, budget period,
  // expiry, metadata) of the key with record.id; balances, hash and revoked
  // flag are untouched. Returns the updated record.
  virtual Expected<KeyRecord, StoreError> update(const KeyRecord& record) = 0;
  // Marks the key revoked (idempotent). Returns the updated record.
  virtual Expected<KeyRecord, StoreError> revoke(std::string_view id) = 0;
  // Adds `amount` (> 0) to the prepaid balance, making the key prepaid if it
  // was not, and records the grant so balances stay recomputable.
  // Every key's total of credit grants ever made (an append-only sum, so a
  // process can tell a new grant from a debit). Keys without grants absent.
  virtual Expected<std::vector<std::pair<std::string, Micros>>, StoreError> credit_grant_totals() = 0;
  virtual Expected<KeyRecord, StoreError> add_credits(std::string_view id, Micros amount,
                                                      int64_t now_ms) = 0;
};

}  // namespace sy::store
