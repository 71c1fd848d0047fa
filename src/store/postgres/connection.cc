#include "store/postgres/connection.h"

#include <fmt/format.h>
#include <poll.h>

#include <cstring>

namespace sy::store::postgres {
namespace {

StoreError unavailable(std::string message) {
  return {StoreError::Code::kUnavailable, std::move(message)};
}

std::string first_line(const char *message) {
  std::string s = message != nullptr ? message : "";
  if (auto nl = s.find('\n'); nl != std::string::npos)
    s.resize(nl);
  return s;
}

} // namespace

Result &Result::operator=(Result &&o) noexcept {
  if (this != &o) {
    if (r_)
      PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}

Result::~Result() {
  if (r_)
    PQclear(r_);
}

int64_t Result::affected() const {
  const char *n = r_ ? PQcmdTuples(r_) : "";
  return n[0] ? std::strtoll(n, nullptr, 10) : 0;
}

std::string Result::text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), PQgetlength(r_, row, col));
}

int64_t Result::int64(int row, int col) const {
  return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}

std::optional<int64_t> Result::optional_int64(int row, int col) const {
  if (is_null(row, col))
    return std::nullopt;
  return int64(row, col);
}

Expected<std::unique_ptr<Connection>, StoreError>
Connection::connect(const PgOptions &options) {
  const std::string timeout = std::to_string(options.connect_timeout_s);
  const std::string server_options =
      fmt::format("-c statement_timeout={}", options.statement_timeout.count());
  const char *keys[] = {"dbname",           "connect_timeout",
                        "options",          "keepalives",
                        "keepalives_idle",  "keepalives_interval",
                        "keepalives_count", nullptr};
  const char *values[] = {options.url.c_str(),
                          timeout.c_str(),
                          server_options.c_str(),
                          "1",
                          "10",
                          "5",
                          "3",
                          nullptr};
  PGconn *conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr)
    return unexpected(unavailable("postgres connect: out of memory"));
  if (PQstatus(conn) != CONNECTION_OK) {
    auto e =
        unavailable("postgres connect: " + first_line(PQerrorMessage(conn)));
    PQfinish(conn);
    return unexpected(e);
  }
  PQsetNoticeProcessor(
      conn, [](void *, const char *) {}, nullptr);
  const auto deadline = options.statement_timeout + std::chrono::seconds(2);
  return std::unique_ptr<Connection>(new Connection(conn, deadline));
}

Connection::~Connection() {
  if (conn_)
    PQfinish(conn_);
}

bool Connection::healthy() const {
  return conn_ && PQstatus(conn_) == CONNECTION_OK;
}

Expected<Result, StoreError> Connection::wait_result(std::string_view what) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + deadline_;
  // Flush what libpq still buffers, then wait for the whole result.
  while (true) {
    const int f = PQflush(conn_);
    if (f < 0)
      break;
    if (f == 0 && !PQisBusy(conn_))
      break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - Clock::now())
                          .count();
    if (left <= 0) {
      // Hung server: drop the connection so nothing waits on it again.
      PQfinish(conn_);
      conn_ = nullptr;
      return unexpected(unavailable(
          fmt::format("postgres {}: client deadline exceeded", what)));
    }
    pollfd p{PQsocket(conn_),
             static_cast<short>(POLLIN | (f == 1 ? POLLOUT : 0)), 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left));
    if (rc < 0 && errno != EINTR)
      break;
    if (rc > 0 && PQconsumeInput(conn_) == 0)
      break;
  }
  std::optional<Result> last;
  std::optional<StoreError> error;
  while (PGresult *r = PQgetResult(conn_)) {
    const ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && !error) {
      const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      StoreError e;
      e.code = state != nullptr && std::strcmp(state, "23505") == 0
                   ? StoreError::Code::kConflict
                   : StoreError::Code::kUnavailable;
      e.message = fmt::format("postgres {}: {}", what,
                              first_line(PQresultErrorMessage(r)));
      error = std::move(e);
    }
    last.emplace(r);
  }
  if (error)
    return unexpected(*error);
  if (!healthy() || !last) {
    return unexpected(unavailable(fmt::format(
        "postgres {}: {}", what,
        conn_ ? first_line(PQerrorMessage(conn_)) : "connection lost")));
  }
  return std::move(*last);
}

Expected<Result, StoreError>
Connection::exec(const std::string &sql, const std::vector<Param> &params) {
  std::vector<const char *> values;
  values.reserve(params.size());
  for (const auto &p : params)
    values.push_back(p ? p->c_str() : nullptr);
  return exec_values(sql, values);
}

Expected<Result, StoreError>
Connection::exec_values(const std::string &sql,
                        const std::vector<const char *> &values) {
  if (!healthy())
    return unexpected(unavailable("postgres: not connected"));
  if (PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                        nullptr, values.data(), nullptr, nullptr, 0) == 0) {
    return unexpected(
        unavailable("postgres send: " + first_line(PQerrorMessage(conn_))));
  }
  return wait_result("exec");
}

Expected<bool, StoreError> Connection::exec_script(const std::string &sql) {
  if (!healthy())
    return unexpected(unavailable("postgres: not connected"));
  if (PQsendQuery(conn_, sql.c_str()) == 0) {
    return unexpected(
        unavailable("postgres send: " + first_line(PQerrorMessage(conn_))));
  }
  auto r = wait_result("script");
  if (!r)
    return unexpected(r.error());
  return true;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return 0;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  }
  return out;
}

} // namespace sy::store::postgres
