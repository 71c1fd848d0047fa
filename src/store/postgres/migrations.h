// The PostgreSQL schema and its versioned migrations.
//
// Each migration moves the schema from version v to v + 1 in its own
// transaction, recorded in `schema_migrations(version, applied_at_ms)`.
// Replicas may migrate concurrently at start-up: every migration transaction
// first takes a transaction-scoped advisory lock, then re-reads the version,
// so each step runs exactly once. Re-running is a no-op. Blocking I/O;
// start-up and `switchyard migrate --store postgres://...` only.
#pragma once

#include "store/postgres/connection.h"

namespace sy::store::postgres {

// The version the code expects (number of shipped migrations).
int latest_schema_version();

// Brings the schema to the latest version; returns the version reached.
Expected<int, StoreError> migrate(Connection &connection);
// Convenience for the CLI: connects to `options.url`, migrates, disconnects.
Expected<int, StoreError> migrate(const PgOptions &options);
// The version the database is at (0 when never migrated).
Expected<int, StoreError> schema_version(Connection &connection);

} // namespace sy::store::postgres
