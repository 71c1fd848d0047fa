#include "store/sqlite/store.h"

namespace sy::store::sqlite {

Expected<SqliteStore, StoreError> open_sqlite_store(const SqliteOptions& options) {
  auto keys_db = Db::open(options.path, options.full_sync);
  if (!keys_db) return unexpected(keys_db.error());
  if (auto m = (*keys_db)->migrate(); !m) return unexpected(m.error());
  auto writer = Db::open(options.path, options.full_sync);
  if (!writer) return unexpected(writer.error());
  auto reader = Db::open(options.path, options.full_sync);
  if (!reader) return unexpected(reader.error());
  SqliteStore store;
  store.keys = std::make_unique<SqliteKeyStore>(std::move(*keys_db));
  store.ledger =
      std::make_unique<SqliteLedger>(std::move(*writer), std::move(*reader), options.ledger);
  return store;
}

}  // namespace sy::store::sqlite
