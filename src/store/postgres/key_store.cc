#include "store/postgres/key_store.h"

#include "store/sqlite/key_store.h" // models_to_json / models_from_json

namespace sy::store::postgres {
namespace {

constexpr const char *kColumns =
    "id, name, encode(key_hash, 'hex'), key_prefix, models, rpm, tpm, "
    "max_parallel,"
    " budget_micros, budget_period, period_start_ms, spent_micros, "
    "credits_micros,"
    " expires_at_ms, revoked::int, metadata, created_at_ms";

KeyRecord read_record(const Result &s, int row) {
  KeyRecord r;
  r.id = s.text(row, 0);
  r.name = s.text(row, 1);
  r.key_hash = from_hex(s.text(row, 2));
  r.key_prefix = s.text(row, 3);
  r.models = sqlite::models_from_json(s.text(row, 4));
  r.rpm = s.int64(row, 5);
  r.tpm = s.int64(row, 6);
  r.max_parallel = s.int64(row, 7);
  r.budget = s.optional_int64(row, 8);
  r.budget_period = parse_period(s.text(row, 9)).value_or(BudgetPeriod::kNever);
  r.period_start_ms = s.int64(row, 10);
  r.spent = s.int64(row, 11);
  r.credits = s.optional_int64(row, 12);
  r.expires_at_ms = s.optional_int64(row, 13);
  r.revoked = s.int64(row, 14) != 0;
  r.metadata_json = s.text(row, 15);
  r.created_at_ms = s.int64(row, 16);
  return r;
}

StoreError not_found() { return {StoreError::Code::kNotFound, "no such key"}; }

Param num(int64_t v) { return std::to_string(v); }
Param num(std::optional<int64_t> v) {
  return v ? Param(std::to_string(*v)) : std::nullopt;
}

} // namespace

Expected<Connection *, StoreError> PgKeyStore::connection() {
  // A connection the server dropped (restart, idle kill) only shows as broken
  // after a round trip: probe it, so a restart costs no failed admin call.
  if (conn_ && conn_->healthy() && conn_->exec_script("SELECT 1"))
    return conn_.get();
  conn_.reset();
  auto c = Connection::connect(options_);
  if (!c)
    return unexpected(c.error());
  conn_ = std::move(*c);
  return conn_.get();
}

Expected<KeyRecord, StoreError>
PgKeyStore::get_locked(Connection &c, const char *where, std::string value) {
  auto r = c.exec(
      std::string("SELECT ") + kColumns + " FROM keys WHERE " + where, {value});
  if (!r)
    return unexpected(r.error());
  if (r->rows() == 0)
    return unexpected(not_found());
  return read_record(*r, 0);
}

Expected<KeyRecord, StoreError> PgKeyStore::create(const KeyRecord &r) {
  std::lock_guard lock(mutex_);
  auto c = connection();
  if (!c)
    return unexpected(c.error());
  Connection &db = **c;
  auto tx = in_transaction(db, [&]() -> Expected<bool, StoreError> {
    auto ins = db.exec("INSERT INTO keys(id, name, key_hash, key_prefix, "
                       "models, rpm, tpm, max_parallel,"
                       " budget_micros, budget_period, period_start_ms, "
                       "spent_micros, credits_micros,"
                       " expires_at_ms, revoked, metadata, created_at_ms)"
                       " VALUES($1,$2,decode($3,'hex'),$4,$5,$6,$7,$8,$9,$10,$"
                       "11,$12,$13,$14,$15,$16,$17)",
                       {r.id, r.name, to_hex(r.key_hash), r.key_prefix,
                        sqlite::models_to_json(r.models), num(r.rpm),
                        num(r.tpm), num(r.max_parallel), num(r.budget),
                        std::string(period_name(r.budget_period)),
                        num(r.period_start_ms), num(r.spent), num(r.credits),
                        num(r.expires_at_ms),
                        std::string(r.revoked ? "true" : "false"),
                        r.metadata_json, num(r.created_at_ms)});
    if (!ins)
      return unexpected(ins.error());
    if (r.credits) {
      // The initial balance is a grant, so credits stay recomputable from the
      // ledger.
      auto g = db.exec("INSERT INTO credit_grants(key_id, amount_micros, "
                       "time_ms) VALUES($1,$2,$3)",
                       {r.id, num(*r.credits), num(r.created_at_ms)});
      if (!g)
        return unexpected(g.error());
    }
    return true;
  });
  if (!tx)
    return unexpected(tx.error());
  return get_locked(db, "id = $1", r.id);
}

Expected<KeyRecord, StoreError> PgKeyStore::get(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto c = connection();
  if (!c)
    return unexpected(c.error());
  return get_locked(**c, "id = $1", std::string(id));
}

Expected<KeyRecord, StoreError>
PgKeyStore::get_by_hash(std::string_view key_hash) {
  std::lock_guard lock(mutex_);
  auto c = connection();
  if (!c)
    return unexpected(c.error());
  return get_locked(**c, "key_hash = decode($1, 'hex')", to_hex(key_hash));
}

Expected<std::vector<std::pair<std::string, Micros>>, StoreError>
PgKeyStore::credit_grant_totals() {
  std::lock_guard lock(mutex_);
  auto c = connection();
  if (!c)
    return unexpected(c.error());
  auto r = (*c)->exec(
      "SELECT key_id, SUM(amount_micros)::bigint FROM credit_grants GROUP BY key_id");
  if (!r)
    return unexpected(r.error());
  std::vector<std::pair<std::string, Micros>> out;
  for (int i = 0; i < r->rows(); ++i)
    out.emplace_back(r->text(i, 0), r->int64(i, 1));
  return out;
}

Expected<std::vector<KeyRecord>, StoreError> PgKeyStore::list() {
  std::lock_guard lock(mutex_);
  auto c = connection();
  if (!c)
    return unexpected(c.error());
  auto r = (*c)->exec(std::string("SELECT ") + kColumns +
                      " FROM keys ORDER BY created_at_ms, id");
  if (!r)
    return unexpected(r.error());
  std::vector<KeyRecord> out;
  out.reserve(r->rows());
  for (int i = 0; i < r->rows(); ++i)
    out.push_back(read_record(*r, i));
  return out;
}

Expected<KeyRecord, StoreError> PgKeyStore::update(const KeyRecord &r) {
  std::lock_guard lock(mutex_);
  auto c = connection();
  if (!c)
    return unexpected(c.error());
  auto u = (*c)->exec(
      "UPDATE keys SET name=$1, models=$2, rpm=$3, tpm=$4, max_parallel=$5, "
      "budget_micros=$6,"
      " budget_period=$7, expires_at_ms=$8, metadata=$9 WHERE id=$10",
      {r.name, sqlite::models_to_json(r.models), num(r.rpm), num(r.tpm),
       num(r.max_parallel), num(r.budget),
       std::string(period_name(r.budget_period)), num(r.expires_at_ms),
       r.metadata_json, r.id});
  if (!u)
    return unexpected(u.error());
  if (u->affected() == 0)
    return unexpected(not_found());
  return get_locked(**c, "id = $1", r.id);
}

Expected<KeyRecord, StoreError> PgKeyStore::revoke(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto c = connection();
  if (!c)
    return unexpected(c.error());
  auto u = (*c)->exec("UPDATE keys SET revoked = TRUE WHERE id = $1",
                      {std::string(id)});
  if (!u)
    return unexpected(u.error());
  if (u->affected() == 0)
    return unexpected(not_found());
  return get_locked(**c, "id = $1", std::string(id));
}

Expected<KeyRecord, StoreError>
PgKeyStore::add_credits(std::string_view id, Micros amount, int64_t now_ms) {
  if (amount <= 0)
    return unexpected(
        StoreError{StoreError::Code::kInvalid, "amount must be > 0"});
  std::lock_guard lock(mutex_);
  auto c = connection();
  if (!c)
    return unexpected(c.error());
  Connection &db = **c;
  bool found = true;
  auto tx = in_transaction(db, [&]() -> Expected<bool, StoreError> {
    auto u = db.exec("UPDATE keys SET credits_micros = "
                     "COALESCE(credits_micros, 0) + $1 WHERE id = $2",
                     {num(amount), std::string(id)});
    if (!u)
      return unexpected(u.error());
    if (u->affected() == 0) {
      found = false;
      return unexpected(not_found());
    }
    auto g = db.exec("INSERT INTO credit_grants(key_id, amount_micros, "
                     "time_ms) VALUES($1,$2,$3)",
                     {std::string(id), num(amount), num(now_ms)});
    if (!g)
      return unexpected(g.error());
    return true;
  });
  if (!tx)
    return unexpected(tx.error());
  return get_locked(db, "id = $1", std::string(id));
}

} // namespace sy::store::postgres
