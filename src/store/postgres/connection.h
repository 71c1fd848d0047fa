// Thin RAII wrappers over libpq for the store's own use.
//
// A Connection is one PGconn; not thread-safe (each user owns one or guards
// it with a mutex). Every call is bounded in time: connecting by
// `connect_timeout`, every statement by a client-side deadline of
// `statement_timeout + 2 s` (the server also enforces statement_timeout),
// after which the connection is dropped, so a hung server cannot hang the
// caller. Parameters and results travel as text; NULL is std::nullopt.
// Errors are values (StoreError: kConflict for unique violations, kUnavailable
// for anything the caller may retry); messages never contain parameters.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/store_error.h"
#include "util/expected.h"

namespace sy::store::postgres {

struct PgOptions {
  // A libpq connection URI: postgres://user:pass@host:port/db?sslmode=...
  std::string url;
  // Seconds libpq may spend connecting. Default: 3.
  int connect_timeout_s = 3;
  // Server-side statement_timeout and client-side deadline base. Default: 5 s.
  std::chrono::milliseconds statement_timeout{5000};
};

using Param = std::optional<std::string>;

class Result {
public:
  explicit Result(PGresult *r) : r_(r) {}
  Result(Result &&o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Result &operator=(Result &&o) noexcept;
  ~Result();
  Result(const Result &) = delete;
  Result &operator=(const Result &) = delete;

  int rows() const { return r_ ? PQntuples(r_) : 0; }
  int64_t affected() const; // rows touched by INSERT/UPDATE/DELETE
  bool is_null(int row, int col) const {
    return PQgetisnull(r_, row, col) != 0;
  }
  std::string text(int row, int col) const;
  int64_t int64(int row, int col) const;
  std::optional<int64_t> optional_int64(int row, int col) const;

private:
  PGresult *r_;
};

class Connection {
public:
  static Expected<std::unique_ptr<Connection>, StoreError>
  connect(const PgOptions &options);
  ~Connection();
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;

  // Runs one statement with $1..$n text parameters.
  Expected<Result, StoreError> exec(const std::string &sql,
                                    const std::vector<Param> &params = {});
  // Same, with parameters as NUL-terminated texts (nullptr for NULL) that
  // need only live until the call returns: no copies of large batches.
  Expected<Result, StoreError> exec_values(const std::string &sql,
                                           const std::vector<const char *> &values);
  // Runs several statements without parameters (migrations, BEGIN/COMMIT).
  Expected<bool, StoreError> exec_script(const std::string &sql);
  // False once the connection broke (the owner should reconnect).
  bool healthy() const;

private:
  Connection(PGconn *conn, std::chrono::milliseconds deadline)
      : conn_(conn), deadline_(deadline) {}
  Expected<Result, StoreError> wait_result(std::string_view what);

  PGconn *conn_;
  std::chrono::milliseconds deadline_;
};

// Runs `body` between BEGIN and COMMIT, rolling back when it fails.
template <class F>
Expected<bool, StoreError> in_transaction(Connection &c, F &&body) {
  if (auto b = c.exec_script("BEGIN"); !b)
    return b;
  Expected<bool, StoreError> r = body();
  if (!r) {
    if (c.healthy())
      c.exec_script("ROLLBACK");
    return r;
  }
  return c.exec_script("COMMIT");
}

// Hex of raw bytes and back (key hashes travel as hex text into bytea).
std::string to_hex(std::string_view bytes);
std::string from_hex(std::string_view hex);

} // namespace sy::store::postgres
