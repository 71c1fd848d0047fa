#include "governance/key_table.h"

#include <openssl/crypto.h>

namespace sy::governance {

KeyTable::KeyTable(std::vector<store::KeyRecord> records) : records_(std::move(records)) {
  for (size_t i = 0; i < records_.size(); ++i) {
    by_hash_.emplace(records_[i].key_hash, i);
    by_id_.emplace(records_[i].id, i);
  }
}

const store::KeyRecord* KeyTable::find_by_hash(std::string_view key_hash) const {
  auto it = by_hash_.find(key_hash);
  if (it == by_hash_.end()) return nullptr;
  const store::KeyRecord& r = records_[it->second];
  if (r.key_hash.size() != key_hash.size() ||
      CRYPTO_memcmp(r.key_hash.data(), key_hash.data(), key_hash.size()) != 0) {
    return nullptr;
  }
  return &r;
}

const store::KeyRecord* KeyTable::find_by_id(std::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &records_[it->second];
}

Expected<bool, store::StoreError> KeyRegistry::reload(store::KeyStore& keys) {
  auto all = keys.list();
  if (!all) return unexpected(all.error());
  publish(std::make_shared<const KeyTable>(std::move(*all)));
  return true;
}

}  // namespace sy::governance
