#include "store/sqlite/db.h"

#include <fmt/format.h>

#include <mutex>

namespace sy::store::sqlite {
namespace {

// Each entry moves the schema from version i to i + 1. Never edit a shipped
// entry; append a new one.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE keys (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  key_hash        BLOB NOT NULL UNIQUE,     -- SHA-256 of the secret
  key_prefix      TEXT NOT NULL,            -- display only
  models          TEXT NOT NULL DEFAULT '[]',
  rpm             INTEGER NOT NULL DEFAULT 0,
  tpm             INTEGER NOT NULL DEFAULT 0,
  max_parallel    INTEGER NOT NULL DEFAULT 0,
  budget_micros   INTEGER,                  -- money is integer micro-dollars
  budget_period   TEXT NOT NULL DEFAULT 'never',
  period_start_ms INTEGER NOT NULL DEFAULT 0,
  spent_micros    INTEGER NOT NULL DEFAULT 0,
  credits_micros  INTEGER,                  -- NULL: not prepaid
  expires_at_ms   INTEGER,
  revoked         INTEGER NOT NULL DEFAULT 0,
  metadata        TEXT NOT NULL DEFAULT '{}',
  created_at_ms   INTEGER NOT NULL
);
CREATE TABLE credit_grants (
  id            INTEGER PRIMARY KEY,
  key_id        TEXT NOT NULL,
  amount_micros INTEGER NOT NULL,
  time_ms       INTEGER NOT NULL
);
CREATE INDEX credit_grants_key ON credit_grants(key_id);
CREATE TABLE ledger (
  id                INTEGER PRIMARY KEY,
  time_ms           INTEGER NOT NULL,
  request_id        TEXT NOT NULL UNIQUE,
  key_id            TEXT NOT NULL,
  requested_model   TEXT NOT NULL,
  policy            TEXT NOT NULL,
  provider          TEXT NOT NULL,
  upstream_model    TEXT NOT NULL,
  status            INTEGER NOT NULL,
  error_class       TEXT NOT NULL,
  prompt_tokens     INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cached_tokens     INTEGER NOT NULL,
  reasoning_tokens  INTEGER NOT NULL,
  cost_micros       INTEGER NOT NULL,
  latency_ms        INTEGER NOT NULL,
  ttft_ms           INTEGER NOT NULL,
  attempts          INTEGER NOT NULL
);
CREATE INDEX ledger_time ON ledger(time_ms);
CREATE INDEX ledger_key_time ON ledger(key_id, time_ms);
)sql",
};

// SQLite's allocation statistics take a process-wide mutex on every malloc
// and free; nothing here reads them. Must run before SQLite initialises, so
// it is a no-op (SQLITE_MISUSE) if something else in the process opened a
// database first.
void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Expected<std::unique_ptr<Db>, StoreError> Db::open(const std::string& path, bool full_sync) {
  configure_sqlite_once();
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<Db> db(new Db(raw));
  if (rc != SQLITE_OK) return unexpected(db->error("open"));
  sqlite3_busy_timeout(raw, 5000);
  if (auto r = db->exec("PRAGMA journal_mode=WAL"); !r) return unexpected(r.error());
  if (auto r = db->exec(full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"); !r) {
    return unexpected(r.error());
  }
  if (auto r = db->exec("PRAGMA foreign_keys=ON"); !r) return unexpected(r.error());
  return db;
}

Db::~Db() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Expected<bool, StoreError> Db::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return unexpected(error("exec"));
  }
  return true;
}

StoreError Db::error(std::string_view what) const {
  const int code = db_ != nullptr ? sqlite3_extended_errcode(db_) : SQLITE_CANTOPEN;
  StoreError e;
  e.code = (code & 0xff) == SQLITE_CONSTRAINT ? StoreError::Code::kConflict
                                              : StoreError::Code::kUnavailable;
  e.message = fmt::format("sqlite {}: {}", what, db_ != nullptr ? sqlite3_errmsg(db_) : "no db");
  return e;
}

Expected<int, StoreError> Db::schema_version() {
  Stmt s(*this, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!s.ok()) return unexpected(error("schema_version"));
  if (s.step() != SQLITE_ROW) return unexpected(error("schema_version"));
  return static_cast<int>(s.int64(0));
}

Expected<bool, StoreError> Db::migrate() {
  if (auto r = exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
      !r) {
    return r;
  }
  // One writer at a time: BEGIN IMMEDIATE makes concurrent openers wait.
  if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
  auto version = schema_version();
  if (!version) {
    exec("ROLLBACK");
    return unexpected(version.error());
  }
  constexpr int kLatest = static_cast<int>(std::size(kMigrations));
  for (int v = *version; v < kLatest; ++v) {
    if (auto r = exec(kMigrations[v]); !r) {
      exec("ROLLBACK");
      return r;
    }
    Stmt s(*this, "INSERT INTO schema_migrations(version, applied_at) VALUES(?, strftime('%s'))");
    s.bind(1, static_cast<int64_t>(v + 1));
    if (s.step() != SQLITE_DONE) {
      auto e = error("migrate");
      exec("ROLLBACK");
      return unexpected(e);
    }
  }
  return exec("COMMIT");
}

Stmt::Stmt(Db& db, const char* sql) {
  if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
}

Stmt::~Stmt() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Stmt& Stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_borrowed(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::bind_blob(int i, std::string_view v) {
  sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind(int i, std::optional<int64_t> v) { return v ? bind(i, *v) : bind_null(i); }
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

int Stmt::step() { return stmt_ != nullptr ? sqlite3_step(stmt_) : SQLITE_MISUSE; }

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Stmt::rewind() { sqlite3_reset(stmt_); }

int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<int64_t> Stmt::optional_int64(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, col);
}

std::string Stmt::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col))
           : std::string();
}

std::string Stmt::blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), sqlite3_column_bytes(stmt_, col))
           : std::string();
}

}  // namespace sy::store::sqlite
