// KeyTable: an immutable snapshot of every virtual key, indexed by the SHA-256
// of its secret, for the per-request hot path. KeyRegistry publishes the
// current snapshot; readers take a shared_ptr and never lock, writers (admin
// changes, reloads) build a new table and swap it in atomically.
// KeyTable is immutable hence thread-safe; KeyRegistry is thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/key_store.h"

namespace sy::governance {

class KeyTable {
 public:
  explicit KeyTable(std::vector<store::KeyRecord> records);

  // The record whose key_hash equals `key_hash` (compared in constant time
  // after the index lookup), or nullptr.
  const store::KeyRecord* find_by_hash(std::string_view key_hash) const;
  const store::KeyRecord* find_by_id(std::string_view id) const;
  size_t size() const { return records_.size(); }
  const std::vector<store::KeyRecord>& records() const { return records_; }

 private:
  std::vector<store::KeyRecord> records_;
  std::unordered_map<std::string_view, size_t> by_hash_;
  std::unordered_map<std::string_view, size_t> by_id_;
};

class KeyRegistry {
 public:
  KeyRegistry() : table_(std::make_shared<const KeyTable>(std::vector<store::KeyRecord>{})) {}

  std::shared_ptr<const KeyTable> snapshot() const { return table_.load(); }
  void publish(std::shared_ptr<const KeyTable> table) { table_.store(std::move(table)); }
  // Rebuilds the snapshot from the store. Blocking I/O: admin path / start-up only.
  Expected<bool, store::StoreError> reload(store::KeyStore& keys);

 private:
  std::atomic<std::shared_ptr<const KeyTable>> table_;
};

}  // namespace sy::governance
