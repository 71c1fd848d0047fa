#include "store/postgres/store.h"

namespace sy::store::postgres {

Expected<PostgresStore, StoreError>
open_postgres_store(const PostgresStoreOptions &options) {
  auto conn = Connection::connect(options.pg);
  if (!conn)
    return unexpected(conn.error());
  if (auto m = migrate(**conn); !m)
    return unexpected(m.error());
  std::unique_ptr<spool::LedgerSpool> spool;
  if (!options.spool_path.empty()) {
    auto s = spool::LedgerSpool::open(options.spool_path);
    if (!s)
      return unexpected(s.error());
    spool = std::move(*s);
  }
  PostgresStore store;
  store.keys = std::make_unique<PgKeyStore>(options.pg, std::move(*conn));
  store.ledger =
      std::make_unique<PgLedger>(options.pg, options.ledger, std::move(spool));
  return store;
}

bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

} // namespace sy::store::postgres
