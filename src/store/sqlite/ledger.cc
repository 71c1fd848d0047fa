#include "store/sqlite/ledger.h"

#include <fmt/format.h>

#include <algorithm>

#include <map>

#include "store/period.h"
#include "util/thread_priority.h"

namespace sy::store::sqlite {

SqliteLedger::SqliteLedger(std::unique_ptr<Db> writer, std::unique_ptr<Db> reader,
                           LedgerOptions options)
    : options_(options), writer_(std::move(writer)), reader_(std::move(reader)) {
  idle_writer_ = std::thread([this] {
    util::name_current_thread("sy-ledger-idle");
    if (options_.idle_priority_writer) util::run_current_thread_at_idle_priority();
    run_idle_writer();
  });
  catch_up_writer_ = std::thread([this] {
    util::name_current_thread("sy-ledger");
    run_catch_up_writer();
  });
}

SqliteLedger::~SqliteLedger() { close(); }

bool SqliteLedger::append(LedgerRow row) {
  std::lock_guard lock(mutex_);
  if (closed_ || stopping_ || queue_.size() >= options_.queue_capacity) {
    ++dropped_;
    return false;
  }
  queue_.push_back(std::move(row));
  ++appended_;
  if (queue_.size() >= options_.batch_rows) wake_.notify_one();
  if (queue_.size() >= options_.escalate_rows) wake_catch_up_.notify_one();
  return true;
}

uint64_t SqliteLedger::dropped_rows() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

Expected<bool, StoreError> SqliteLedger::flush() {
  std::unique_lock lock(mutex_);
  const uint64_t target = appended_;
  if (done_ >= target) return true;
  const uint64_t failures_before = failures_;
  flush_target_ = std::max(flush_target_, target);
  retry_after_ = {};  // an explicit flush tries at once, even after a failure
  wake_catch_up_.notify_one();
  committed_.wait(lock, [&] { return done_ >= target || failures_ != failures_before || closed_; });
  if (done_ >= target) return true;
  return unexpected(failures_ != failures_before
                        ? last_error_
                        : StoreError{StoreError::Code::kUnavailable, "ledger closed"});
}

void SqliteLedger::close() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  wake_catch_up_.notify_all();
  if (catch_up_writer_.joinable()) catch_up_writer_.join();
  if (idle_writer_.joinable()) idle_writer_.join();
}

void SqliteLedger::run_idle_writer() {
  auto next_flush = Clock::now() + options_.flush_interval;
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_until(lock, next_flush, [&] {
      return stopping_ || (queue_.size() >= options_.batch_rows && Clock::now() >= retry_after_);
    });
    if (stopping_) break;  // the catch-up writer drains what is left
    next_flush = Clock::now() + options_.flush_interval;
    if (queue_.empty() || Clock::now() < retry_after_) continue;
    lock.unlock();
    drain(Writer::kIdle);
    lock.lock();
  }
}

void SqliteLedger::run_catch_up_writer() {
  std::unique_lock lock(mutex_);
  uint64_t appended_at_last_check = appended_;
  auto next_check = Clock::now() + options_.flush_interval;
  while (true) {
    wake_catch_up_.wait_until(lock, next_check, [&] {
      return stopping_ || ((flush_target_ > done_ || queue_.size() >= options_.escalate_rows) &&
                           Clock::now() >= retry_after_);
    });
    const auto now = Clock::now();
    bool due = stopping_ || ((flush_target_ > done_ || queue_.size() >= options_.escalate_rows) &&
                             now >= retry_after_);
    if (now >= next_check) {
      // Rows appended before the previous check still queued, or a batch open
      // for a whole interval: the idle writer is not getting the CPU.
      const bool stale_queue = taken_ < appended_at_last_check;
      const bool stale_batch = batch_open_ && now - batch_since_ >= options_.flush_interval;
      due = due || ((stale_queue || stale_batch) && now >= retry_after_);
      appended_at_last_check = appended_;
      next_check = now + options_.flush_interval;
    }
    if (!due) continue;
    lock.unlock();
    drain(Writer::kCatchUp);
    lock.lock();
    if (!stopping_) continue;
    if (queue_.empty() && !batch_open_) break;
    if (consecutive_failures_ >= 3) {
      // Shutting down and the database keeps failing: give up on the rows.
      dropped_ += queue_.size();
      done_ += queue_.size();
      taken_ += queue_.size();
      queue_.clear();
      break;
    }
  }
  closed_ = true;
  committed_.notify_all();
}

void SqliteLedger::drain(Writer who) {
  if (who == Writer::kCatchUp) catch_up_wants_connection_.store(true, std::memory_order_relaxed);
  std::lock_guard writing(write_mutex_);
  if (who == Writer::kCatchUp) catch_up_wants_connection_.store(false, std::memory_order_relaxed);
  // Only the rows queued when the first batch is taken: chasing each new
  // arrival would commit a transaction per row (a WAL write and two file
  // locks each).
  uint64_t until = kNotYet;
  while (true) {
    if (batch_.empty() && !start_batch(until)) return;
    while (batch_pos_ < batch_.size()) {
      if (who == Writer::kIdle && catch_up_wants_connection_.load(std::memory_order_relaxed)) {
        return;  // the catch-up writer continues this transaction
      }
      const bool chunk = !row_by_row_ && batch_.size() - batch_pos_ >= kRowsPerInsert;
      auto written = chunk ? write_chunk() : write_row(batch_[batch_pos_]);
      if (written && !*written) {
        written = restart_batch_row_by_row();  // from the batch's first row
        if (written) continue;
      }
      if (!written) {
        finish_batch(std::move(written));
        return;
      }
      batch_pos_ += chunk ? kRowsPerInsert : 1;
    }
    auto committed = writer_->exec("COMMIT");
    const bool ok = committed.has_value();
    finish_batch(std::move(committed));
    if (!ok) return;
  }
}

bool SqliteLedger::start_batch(uint64_t& until) {
  {
    // Short: a request worker may be waiting in append() for this mutex.
    std::lock_guard lock(mutex_);
    if (until == kNotYet) until = taken_ + queue_.size();
    if (queue_.empty() || taken_ >= until) return false;
    const size_t n = std::min({queue_.size(), options_.batch_rows, static_cast<size_t>(until - taken_)});
    if (n == queue_.size()) {
      batch_.swap(queue_);
    } else {
      for (size_t i = 0; i < n; ++i) {
        batch_.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    taken_ += n;
    batch_open_ = true;
    batch_since_ = Clock::now();
  }
  batch_pos_ = 0;
  if (!statements_ready()) {
    finish_batch(unexpected(writer_->error("prepare")));
    return false;
  }
  if (auto begun = writer_->exec("BEGIN IMMEDIATE"); !begun) {
    finish_batch(std::move(begun));
    return false;
  }
  return true;
}

void SqliteLedger::finish_batch(Expected<bool, StoreError> result) {
  if (!result) writer_->exec("ROLLBACK");  // harmless when no transaction is open
  std::lock_guard lock(mutex_);
  batch_open_ = false;
  if (result) {
    done_ += batch_.size();
    consecutive_failures_ = 0;
  } else {
    ++failures_;
    ++consecutive_failures_;
    last_error_ = result.error();
    retry_after_ = Clock::now() + options_.flush_interval;
    // Keep the rows, in order, for the next attempt (idempotent on request_id).
    taken_ -= batch_.size();
    for (auto it = batch_.rbegin(); it != batch_.rend(); ++it) queue_.push_front(std::move(*it));
  }
  batch_.clear();
  batch_pos_ = 0;
  row_by_row_ = false;
  committed_.notify_all();
}

bool SqliteLedger::statements_ready() {
  if (insert_) return true;
  Db& db = *writer_;
  const std::string insert =
      "INSERT OR IGNORE INTO ledger(time_ms, request_id, key_id, requested_model, policy,"
      " provider, upstream_model, status, error_class, prompt_tokens, completion_tokens,"
      " cached_tokens, reasoning_tokens, cost_micros, latency_ms, ttft_ms, attempts) VALUES";
  const std::string one_row = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  std::string chunk = insert + one_row;
  for (size_t i = 1; i < kRowsPerInsert; ++i) chunk += "," + one_row;
  insert_ = std::make_unique<Stmt>(db, (insert + one_row).c_str());
  insert_chunk_ = std::make_unique<Stmt>(db, chunk.c_str());
  key_period_ = std::make_unique<Stmt>(db, "SELECT budget_period, period_start_ms FROM keys WHERE id=?");
  charge_ = std::make_unique<Stmt>(
      db,
      "UPDATE keys SET period_start_ms=?1, spent_micros = CASE WHEN ?4 THEN ?2"
      " ELSE spent_micros + ?2 END,"
      " credits_micros = CASE WHEN credits_micros IS NULL THEN NULL"
      " ELSE credits_micros - ?3 END WHERE id=?5");
  credit_only_ = std::make_unique<Stmt>(
      db,
      "UPDATE keys SET credits_micros = credits_micros - ? WHERE id=? AND"
      " credits_micros IS NOT NULL");
  if (insert_->ok() && insert_chunk_->ok() && key_period_->ok() && charge_->ok() &&
      credit_only_->ok()) {
    return true;
  }
  insert_.reset();
  insert_chunk_.reset();
  key_period_.reset();
  charge_.reset();
  credit_only_.reset();
  return false;
}

namespace {

constexpr int kColumns = 17;

// Binds `r` to parameters first + 1 .. first + kColumns of an insert. The row
// outlives the step: its strings are bound without a copy.
void bind_row(Stmt& insert, int first, const LedgerRow& r) {
  insert.bind(first + 1, r.time_ms).bind_borrowed(first + 2, r.request_id);
  insert.bind_borrowed(first + 3, r.key_id).bind_borrowed(first + 4, r.requested_model);
  insert.bind_borrowed(first + 5, r.policy).bind_borrowed(first + 6, r.provider);
  insert.bind_borrowed(first + 7, r.upstream_model).bind(first + 8, static_cast<int64_t>(r.status));
  insert.bind_borrowed(first + 9, r.error_class).bind(first + 10, r.prompt_tokens);
  insert.bind(first + 11, r.completion_tokens).bind(first + 12, r.cached_tokens);
  insert.bind(first + 13, r.reasoning_tokens).bind(first + 14, r.cost);
  insert.bind(first + 15, r.latency_ms).bind(first + 16, r.ttft_ms);
  insert.bind(first + 17, static_cast<int64_t>(r.attempts));
}

}  // namespace

Expected<bool, StoreError> SqliteLedger::write_chunk() {
  Db& db = *writer_;
  Stmt& insert = *insert_chunk_;
  insert.rewind();  // every parameter is bound below
  for (size_t i = 0; i < kRowsPerInsert; ++i) {
    bind_row(insert, static_cast<int>(i) * kColumns, batch_[batch_pos_ + i]);
  }
  if (insert.step() != SQLITE_DONE) return unexpected(db.error("insert ledger rows"));
  if (sqlite3_changes(db.handle()) != static_cast<int>(kRowsPerInsert)) return false;
  for (size_t i = 0; i < kRowsPerInsert; ++i) {
    if (auto debited = debit_key(batch_[batch_pos_ + i]); !debited) return debited;
  }
  return true;
}

Expected<bool, StoreError> SqliteLedger::restart_batch_row_by_row() {
  if (auto undone = writer_->exec("ROLLBACK"); !undone) return undone;
  row_by_row_ = true;
  batch_pos_ = 0;
  return writer_->exec("BEGIN IMMEDIATE");
}

Expected<bool, StoreError> SqliteLedger::write_row(const LedgerRow& r) {
  Db& db = *writer_;
  Stmt& insert = *insert_;
  insert.rewind();  // every parameter is bound below
  bind_row(insert, 0, r);
  if (insert.step() != SQLITE_DONE) return unexpected(db.error("insert ledger row"));
  if (sqlite3_changes(db.handle()) != 1) return true;  // stored before: debited then
  return debit_key(r);
}

Expected<bool, StoreError> SqliteLedger::debit_key(const LedgerRow& r) {
  if (r.key_id.empty() || r.cost == 0) return true;
  Db& db = *writer_;
  Stmt& key = *key_period_;
  key.reset();
  key.bind(1, r.key_id);
  const int rc = key.step();
  if (rc == SQLITE_DONE) return true;  // unknown key: the row still counts in reports
  if (rc != SQLITE_ROW) return unexpected(db.error("read key period"));
  const BudgetPeriod period = parse_period(key.text(0)).value_or(BudgetPeriod::kNever);
  const int64_t stored_start = key.int64(1);
  key.reset();
  const int64_t row_start = period_start_ms(period, r.time_ms);
  if (row_start < stored_start) {
    // A late row from an earlier period: it no longer counts against the
    // budget, but prepaid credit still pays for it.
    Stmt& credit_only = *credit_only_;
    credit_only.reset();
    credit_only.bind(1, r.cost).bind(2, r.key_id);
    if (credit_only.step() != SQLITE_DONE) return unexpected(db.error("debit credits"));
    return true;
  }
  Stmt& charge = *charge_;
  charge.reset();
  charge.bind(1, row_start).bind(2, r.cost).bind(3, r.cost);
  charge.bind(4, static_cast<int64_t>(row_start > stored_start)).bind(5, r.key_id);
  if (charge.step() != SQLITE_DONE) return unexpected(db.error("debit key"));
  return true;
}

Expected<UsageReport, StoreError> SqliteLedger::usage(const UsageQuery& q) {
  const char* group = "key_id";
  switch (q.group_by) {
    case GroupBy::kKey:
      group = "key_id";
      break;
    case GroupBy::kModel:
      group = "requested_model";
      break;
    case GroupBy::kProvider:
      group = "provider";
      break;
    case GroupBy::kDay:
      group = "strftime('%Y-%m-%d', time_ms / 1000, 'unixepoch')";
      break;
  }
  const std::string sql = fmt::format(
      "SELECT {} AS g, COUNT(*), SUM(status >= 400), SUM(prompt_tokens), SUM(completion_tokens),"
      " SUM(cached_tokens), SUM(reasoning_tokens), SUM(cost_micros) FROM ledger"
      " WHERE time_ms >= ?1 AND time_ms < ?2 AND (?3 = '' OR key_id = ?3)"
      " GROUP BY g ORDER BY g",
      group);
  std::lock_guard lock(reader_mutex_);
  Stmt s(*reader_, sql.c_str());
  if (!s.ok()) return unexpected(reader_->error("usage"));
  s.bind(1, q.from_ms).bind(2, q.to_ms).bind(3, q.key_id);
  UsageReport report;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    UsageAggregate a;
    a.group = s.text(0);
    a.requests = s.int64(1);
    a.errors = s.int64(2);
    a.prompt_tokens = s.int64(3);
    a.completion_tokens = s.int64(4);
    a.cached_tokens = s.int64(5);
    a.reasoning_tokens = s.int64(6);
    a.cost = s.int64(7);
    UsageAggregate& t = report.total;
    t.requests += a.requests;
    t.errors += a.errors;
    t.prompt_tokens += a.prompt_tokens;
    t.completion_tokens += a.completion_tokens;
    t.cached_tokens += a.cached_tokens;
    t.reasoning_tokens += a.reasoning_tokens;
    t.cost += a.cost;
    report.groups.push_back(std::move(a));
  }
  if (rc != SQLITE_DONE) return unexpected(reader_->error("usage"));
  return report;
}

Expected<bool, StoreError> SqliteLedger::recompute_balances(int64_t now_ms) {
  std::lock_guard lock(reader_mutex_);
  Db& db = *reader_;
  if (auto b = db.exec("BEGIN IMMEDIATE"); !b) return b;
  auto fail = [&](std::string_view what) -> Expected<bool, StoreError> {
    auto e = db.error(what);
    db.exec("ROLLBACK");
    return unexpected(e);
  };
  Stmt keys(db, "SELECT id, budget_period FROM keys");
  Stmt spent(db, "SELECT COALESCE(SUM(cost_micros), 0) FROM ledger WHERE key_id=? AND time_ms>=?");
  Stmt grants(db,
              "SELECT COUNT(*), COALESCE(SUM(amount_micros), 0), MIN(time_ms) FROM credit_grants"
              " WHERE key_id=?");
  Stmt update(db, "UPDATE keys SET period_start_ms=?, spent_micros=?, credits_micros=? WHERE id=?");
  if (!keys.ok() || !spent.ok() || !grants.ok() || !update.ok()) return fail("prepare");
  std::map<std::string, BudgetPeriod> all;
  int rc;
  while ((rc = keys.step()) == SQLITE_ROW) {
    all.emplace(keys.text(0), parse_period(keys.text(1)).value_or(BudgetPeriod::kNever));
  }
  if (rc != SQLITE_DONE) return fail("list keys");
  for (const auto& [id, period] : all) {
    const int64_t start = period_start_ms(period, now_ms);
    spent.reset();
    spent.bind(1, id).bind(2, start);
    if (spent.step() != SQLITE_ROW) return fail("sum spent");
    const Micros period_spent = spent.int64(0);
    grants.reset();
    grants.bind(1, id);
    if (grants.step() != SQLITE_ROW) return fail("sum grants");
    std::optional<int64_t> credits;
    if (grants.int64(0) > 0) {
      const Micros granted = grants.int64(1);
      const int64_t first_grant = grants.int64(2);
      spent.reset();
      spent.bind(1, id).bind(2, first_grant);
      if (spent.step() != SQLITE_ROW) return fail("sum credits");
      credits = granted - spent.int64(0);
    }
    update.reset();
    update.bind(1, start).bind(2, period_spent).bind(3, credits).bind(4, id);
    if (update.step() != SQLITE_DONE) return fail("update balance");
  }
  return db.exec("COMMIT");
}

}  // namespace sy::store::sqlite
