// The PostgreSQL store: keys and ledger shared by every replica.
//
// open_postgres_store() connects (bounded by connect_timeout), migrates the
// schema (safe with replicas starting together), opens the ledger spool when
// a path is given, and returns the owning objects. Destroying the ledger
// flushes it (to the database or the spool). Blocking: start-up only.
#pragma once

#include <memory>
#include <string>

#include "store/postgres/key_store.h"
#include "store/postgres/ledger.h"
#include "store/postgres/migrations.h"

namespace sy::store::postgres {

struct PostgresStoreOptions {
  PgOptions pg; // pg.url = the `store:` URL (postgres:// or postgresql://)
  PgLedgerOptions ledger;
  // Local append-only file for ledger rows while the database is away.
  // Empty = no spool (rows wait in memory, bounded by queue_capacity).
  // Default: empty; the gateway should set e.g. <data_dir>/ledger.spool.
  std::string spool_path;
};

struct PostgresStore {
  std::unique_ptr<PgKeyStore> keys;
  std::unique_ptr<PgLedger> ledger;
};

Expected<PostgresStore, StoreError>
open_postgres_store(const PostgresStoreOptions &options);

// True for URLs this backend serves: postgres://... and postgresql://...
bool is_postgres_url(std::string_view url);

} // namespace sy::store::postgres
