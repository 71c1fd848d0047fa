// The embedded default store: keys and ledger in one SQLite file (WAL mode).
//
// open_sqlite_store() creates the file if needed and migrates the schema,
// then opens three connections (keys, ledger writer, ledger reader). The
// returned object owns them; destroying it closes the ledger gracefully
// (every appended row is committed first).
#pragma once

#include <memory>
#include <string>

#include "store/sqlite/key_store.h"
#include "store/sqlite/ledger.h"

namespace sy::store::sqlite {

struct SqliteOptions {
  std::string path = "switchyard.db";  // file path; ":memory:" is not supported
  LedgerOptions ledger;
  // synchronous=FULL (survives power loss) instead of NORMAL (survives a
  // process crash). Default: false.
  bool full_sync = false;
};

struct SqliteStore {
  std::unique_ptr<SqliteKeyStore> keys;
  std::unique_ptr<SqliteLedger> ledger;
};

Expected<SqliteStore, StoreError> open_sqlite_store(const SqliteOptions& options);

}  // namespace sy::store::sqlite
