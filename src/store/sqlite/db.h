// Thin RAII wrappers over the SQLite C API for the store's own use, plus the
// schema and its versioned migrations.
//
// A Db is one connection; it is not thread-safe (callers serialize use, each
// thread that needs the database concurrently opens its own). Connections are
// opened in WAL mode with a busy timeout, so one writer and many readers
// proceed together. Errors are values; nothing throws.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/store_error.h"
#include "util/expected.h"

namespace sy::store::sqlite {

class Db {
 public:
  // Opens (creating if needed) the database at `path` in WAL mode.
  // `full_sync` selects synchronous=FULL (survives power loss) instead of
  // NORMAL (survives a process crash, which is the durability promise).
  static Expected<std::unique_ptr<Db>, StoreError> open(const std::string& path, bool full_sync);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* handle() const { return db_; }
  Expected<bool, StoreError> exec(const char* sql);
  StoreError error(std::string_view what) const;  // from the last failed call

  // Brings the schema to the latest version; idempotent.
  Expected<bool, StoreError> migrate();
  Expected<int, StoreError> schema_version();

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// One prepared statement. bind indexes are 1-based; column indexes 0-based.
class Stmt {
 public:
  Stmt(Db& db, const char* sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, std::string_view v);  // copies the bytes
  // Binds without a copy: `v` must stay valid and unchanged until the last
  // step() before the parameter is bound again (or the statement is gone).
  Stmt& bind_borrowed(int i, std::string_view v);
  Stmt& bind_blob(int i, std::string_view v);
  Stmt& bind(int i, std::optional<int64_t> v);
  Stmt& bind_null(int i);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  // Ready to step again with no parameters bound.
  void reset();
  // Ready to step again keeping the bound parameters: cheaper than reset() for
  // a statement whose every parameter is bound anew before each step.
  void rewind();

  int64_t int64(int col) const;
  std::optional<int64_t> optional_int64(int col) const;
  std::string text(int col) const;
  std::string blob(int col) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace sy::store::sqlite
