#include "store/postgres/migrations.h"

#include <iterator>

namespace sy::store::postgres {
namespace {

// Each entry moves the schema from version i to i + 1. Never edit a shipped
// entry; append a new one. Money is integer micro-dollars; times are ms since
// the Unix epoch (UTC).
constexpr const char *kMigrations[] = {
    R"sql(
CREATE TABLE keys (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  key_hash        BYTEA NOT NULL UNIQUE,
  key_prefix      TEXT NOT NULL,
  models          TEXT NOT NULL DEFAULT '[]',
  rpm             BIGINT NOT NULL DEFAULT 0,
  tpm             BIGINT NOT NULL DEFAULT 0,
  max_parallel    BIGINT NOT NULL DEFAULT 0,
  budget_micros   BIGINT,
  budget_period   TEXT NOT NULL DEFAULT 'never',
  period_start_ms BIGINT NOT NULL DEFAULT 0,
  spent_micros    BIGINT NOT NULL DEFAULT 0,
  credits_micros  BIGINT,
  expires_at_ms   BIGINT,
  revoked         BOOLEAN NOT NULL DEFAULT FALSE,
  metadata        TEXT NOT NULL DEFAULT '{}',
  created_at_ms   BIGINT NOT NULL
);
CREATE TABLE credit_grants (
  id            BIGSERIAL PRIMARY KEY,
  key_id        TEXT NOT NULL,
  amount_micros BIGINT NOT NULL,
  time_ms       BIGINT NOT NULL
);
CREATE INDEX credit_grants_key ON credit_grants(key_id);
CREATE TABLE ledger (
  id                BIGSERIAL PRIMARY KEY,
  time_ms           BIGINT NOT NULL,
  request_id        TEXT NOT NULL UNIQUE,
  key_id            TEXT NOT NULL,
  requested_model   TEXT NOT NULL,
  policy            TEXT NOT NULL,
  provider          TEXT NOT NULL,
  upstream_model    TEXT NOT NULL,
  status            INTEGER NOT NULL,
  error_class       TEXT NOT NULL,
  prompt_tokens     BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  cached_tokens     BIGINT NOT NULL,
  reasoning_tokens  BIGINT NOT NULL,
  cost_micros       BIGINT NOT NULL,
  latency_ms        BIGINT NOT NULL,
  ttft_ms           BIGINT NOT NULL,
  attempts          INTEGER NOT NULL
);
CREATE INDEX ledger_time ON ledger(time_ms);
CREATE INDEX ledger_key_time ON ledger(key_id, time_ms);
)sql",
};

// Arbitrary constant naming Switchyard's migration lock.
constexpr const char *kLock = "SELECT pg_advisory_xact_lock(7316402251)";

} // namespace

int latest_schema_version() { return static_cast<int>(std::size(kMigrations)); }

Expected<int, StoreError> schema_version(Connection &c) {
  auto exists = c.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists)
    return unexpected(exists.error());
  if (exists->text(0, 0) != "t")
    return 0;
  auto v = c.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!v)
    return unexpected(v.error());
  return static_cast<int>(v->int64(0, 0));
}

Expected<int, StoreError> migrate(Connection &c) {
  if (auto r = c.exec_script(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version INTEGER PRIMARY KEY, applied_at_ms BIGINT NOT NULL)");
      !r) {
    // Two replicas creating it at once: one loses the race, which is fine.
    if (schema_version(c).has_value() == false)
      return unexpected(r.error());
  }
  const int latest = latest_schema_version();
  while (true) {
    int reached = 0;
    bool done = false;
    auto step = in_transaction(c, [&]() -> Expected<bool, StoreError> {
      if (auto l = c.exec(kLock); !l)
        return unexpected(l.error());
      auto v = schema_version(c);
      if (!v)
        return unexpected(v.error());
      reached = *v;
      if (*v >= latest) {
        done = true;
        return true;
      }
      if (auto r = c.exec_script(kMigrations[*v]); !r)
        return r;
      auto rec = c.exec(
          "INSERT INTO schema_migrations(version, applied_at_ms)"
          " VALUES($1, (extract(epoch from clock_timestamp()) * 1000)::bigint)",
          {std::to_string(*v + 1)});
      if (!rec)
        return unexpected(rec.error());
      reached = *v + 1;
      return true;
    });
    if (!step)
      return unexpected(step.error());
    if (done || reached >= latest)
      return reached;
  }
}

Expected<int, StoreError> migrate(const PgOptions &options) {
  auto c = Connection::connect(options);
  if (!c)
    return unexpected(c.error());
  return migrate(**c);
}

} // namespace sy::store::postgres
