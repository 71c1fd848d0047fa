#include "store/sqlite/key_store.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sy::store::sqlite {
namespace {

constexpr const char* kColumns =
    "id, name, key_hash, key_prefix, models, rpm, tpm, max_parallel, budget_micros,"
    " budget_period, period_start_ms, spent_micros, credits_micros, expires_at_ms, revoked,"
    " metadata, created_at_ms";

KeyRecord read_record(const Stmt& s) {
  KeyRecord r;
  r.id = s.text(0);
  r.name = s.text(1);
  r.key_hash = s.blob(2);
  r.key_prefix = s.text(3);
  r.models = models_from_json(s.text(4));
  r.rpm = s.int64(5);
  r.tpm = s.int64(6);
  r.max_parallel = s.int64(7);
  r.budget = s.optional_int64(8);
  r.budget_period = parse_period(s.text(9)).value_or(BudgetPeriod::kNever);
  r.period_start_ms = s.int64(10);
  r.spent = s.int64(11);
  r.credits = s.optional_int64(12);
  r.expires_at_ms = s.optional_int64(13);
  r.revoked = s.int64(14) != 0;
  r.metadata_json = s.text(15);
  r.created_at_ms = s.int64(16);
  return r;
}

StoreError not_found() { return {StoreError::Code::kNotFound, "no such key"}; }

}  // namespace

std::string models_to_json(const std::vector<std::string>& models) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartArray();
  for (const auto& m : models) writer.String(m.data(), static_cast<unsigned>(m.size()));
  writer.EndArray();
  return {buffer.GetString(), buffer.GetSize()};
}

std::vector<std::string> models_from_json(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  std::vector<std::string> out;
  if (doc.HasParseError() || !doc.IsArray()) return out;
  for (const auto& v : doc.GetArray()) {
    if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

Expected<KeyRecord, StoreError> SqliteKeyStore::get_locked(std::string_view column,
                                                           std::string_view value) {
  const std::string sql =
      std::string("SELECT ") + kColumns + " FROM keys WHERE " + std::string(column) + " = ?";
  Stmt s(*db_, sql.c_str());
  if (!s.ok()) return unexpected(db_->error("get key"));
  if (column == "key_hash") {
    s.bind_blob(1, value);
  } else {
    s.bind(1, value);
  }
  const int rc = s.step();
  if (rc == SQLITE_ROW) return read_record(s);
  if (rc == SQLITE_DONE) return unexpected(not_found());
  return unexpected(db_->error("get key"));
}

Expected<KeyRecord, StoreError> SqliteKeyStore::create(const KeyRecord& r) {
  std::lock_guard lock(mutex_);
  if (auto b = db_->exec("BEGIN IMMEDIATE"); !b) return unexpected(b.error());
  Stmt s(*db_,
         "INSERT INTO keys(id, name, key_hash, key_prefix, models, rpm, tpm, max_parallel,"
         " budget_micros, budget_period, period_start_ms, spent_micros, credits_micros,"
         " expires_at_ms, revoked, metadata, created_at_ms)"
         " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, r.id).bind(2, r.name).bind_blob(3, r.key_hash).bind(4, r.key_prefix);
  s.bind(5, models_to_json(r.models)).bind(6, r.rpm).bind(7, r.tpm).bind(8, r.max_parallel);
  s.bind(9, r.budget).bind(10, period_name(r.budget_period)).bind(11, r.period_start_ms);
  s.bind(12, r.spent).bind(13, r.credits).bind(14, r.expires_at_ms);
  s.bind(15, static_cast<int64_t>(r.revoked)).bind(16, r.metadata_json).bind(17, r.created_at_ms);
  if (s.step() != SQLITE_DONE) {
    auto e = db_->error("create key");
    db_->exec("ROLLBACK");
    return unexpected(e);
  }
  if (r.credits) {
    // The initial balance is a grant, so credits stay recomputable from the ledger.
    Stmt g(*db_, "INSERT INTO credit_grants(key_id, amount_micros, time_ms) VALUES(?,?,?)");
    g.bind(1, r.id).bind(2, *r.credits).bind(3, r.created_at_ms);
    if (g.step() != SQLITE_DONE) {
      auto e = db_->error("create key");
      db_->exec("ROLLBACK");
      return unexpected(e);
    }
  }
  if (auto c = db_->exec("COMMIT"); !c) return unexpected(c.error());
  return get_locked("id", r.id);
}

Expected<KeyRecord, StoreError> SqliteKeyStore::get(std::string_view id) {
  std::lock_guard lock(mutex_);
  return get_locked("id", id);
}

Expected<KeyRecord, StoreError> SqliteKeyStore::get_by_hash(std::string_view key_hash) {
  std::lock_guard lock(mutex_);
  return get_locked("key_hash", key_hash);
}

Expected<std::vector<std::pair<std::string, Micros>>, StoreError>
SqliteKeyStore::credit_grant_totals() {
  std::lock_guard lock(mutex_);
  Stmt s(*db_, "SELECT key_id, SUM(amount_micros) FROM credit_grants GROUP BY key_id");
  if (!s.ok()) return unexpected(db_->error("credit grant totals"));
  std::vector<std::pair<std::string, Micros>> out;
  for (int rc = s.step(); rc == SQLITE_ROW; rc = s.step()) out.emplace_back(s.text(0), s.int64(1));
  return out;
}

Expected<std::vector<KeyRecord>, StoreError> SqliteKeyStore::list() {
  std::lock_guard lock(mutex_);
  const std::string sql =
      std::string("SELECT ") + kColumns + " FROM keys ORDER BY created_at_ms, id";
  Stmt s(*db_, sql.c_str());
  if (!s.ok()) return unexpected(db_->error("list keys"));
  std::vector<KeyRecord> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_record(s));
  if (rc != SQLITE_DONE) return unexpected(db_->error("list keys"));
  return out;
}

Expected<KeyRecord, StoreError> SqliteKeyStore::update(const KeyRecord& r) {
  std::lock_guard lock(mutex_);
  Stmt s(*db_,
         "UPDATE keys SET name=?, models=?, rpm=?, tpm=?, max_parallel=?, budget_micros=?,"
         " budget_period=?, expires_at_ms=?, metadata=? WHERE id=?");
  s.bind(1, r.name).bind(2, models_to_json(r.models)).bind(3, r.rpm).bind(4, r.tpm);
  s.bind(5, r.max_parallel).bind(6, r.budget).bind(7, period_name(r.budget_period));
  s.bind(8, r.expires_at_ms).bind(9, r.metadata_json).bind(10, r.id);
  if (s.step() != SQLITE_DONE) return unexpected(db_->error("update key"));
  if (sqlite3_changes(db_->handle()) == 0) return unexpected(not_found());
  return get_locked("id", r.id);
}

Expected<KeyRecord, StoreError> SqliteKeyStore::revoke(std::string_view id) {
  std::lock_guard lock(mutex_);
  Stmt s(*db_, "UPDATE keys SET revoked=1 WHERE id=?");
  s.bind(1, id);
  if (s.step() != SQLITE_DONE) return unexpected(db_->error("revoke key"));
  if (sqlite3_changes(db_->handle()) == 0) return unexpected(not_found());
  return get_locked("id", id);
}

Expected<KeyRecord, StoreError> SqliteKeyStore::add_credits(std::string_view id, Micros amount,
                                                            int64_t now_ms) {
  if (amount <= 0) return unexpected(StoreError{StoreError::Code::kInvalid, "amount must be > 0"});
  std::lock_guard lock(mutex_);
  if (auto b = db_->exec("BEGIN IMMEDIATE"); !b) return unexpected(b.error());
  Stmt s(*db_, "UPDATE keys SET credits_micros = COALESCE(credits_micros, 0) + ? WHERE id=?");
  s.bind(1, amount).bind(2, id);
  if (s.step() != SQLITE_DONE) {
    auto e = db_->error("add credits");
    db_->exec("ROLLBACK");
    return unexpected(e);
  }
  if (sqlite3_changes(db_->handle()) == 0) {
    db_->exec("ROLLBACK");
    return unexpected(not_found());
  }
  Stmt g(*db_, "INSERT INTO credit_grants(key_id, amount_micros, time_ms) VALUES(?,?,?)");
  g.bind(1, id).bind(2, amount).bind(3, now_ms);
  if (g.step() != SQLITE_DONE) {
    auto e = db_->error("add credits");
    db_->exec("ROLLBACK");
    return unexpected(e);
  }
  if (auto c = db_->exec("COMMIT"); !c) return unexpected(c.error());
  return get_locked("id", id);
}

}  // namespace sy::store::sqlite
