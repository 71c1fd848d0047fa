#include "store/postgres/ledger.h"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <span>
#include <unordered_set>

#include "store/period.h"
#include "util/thread_priority.h"

namespace sy::store::postgres {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Rows per INSERT statement (17 parameters each; PostgreSQL allows 65535).
// Small enough that the writer's CPU work between two round trips stays short
// (~100 us), so it never holds a request worker's core for long.
constexpr size_t kRowsPerStatement = 100;
// Rows per transaction when replaying a large spool.
constexpr size_t kRowsPerReplayTransaction = 5000;

constexpr const char *kInsertColumns =
    "INSERT INTO ledger(time_ms, request_id, key_id, requested_model, policy, "
    "provider,"
    " upstream_model, status, error_class, prompt_tokens, completion_tokens, "
    "cached_tokens,"
    " reasoning_tokens, cost_micros, latency_ms, ttft_ms, attempts) VALUES ";

Param num(int64_t v) { return std::to_string(v); }

// Balance arithmetic of one key across the inserted rows of a batch, in row
// order, exactly as SqliteLedger applies it row by row.
struct KeyBalance {
  BudgetPeriod period = BudgetPeriod::kNever;
  int64_t period_start_ms = 0;
  Micros spent = 0;
  std::optional<Micros> credits;

  void charge(const LedgerRow &r) {
    const int64_t row_start = period_start_ms_for(r.time_ms);
    if (credits)
      *credits -= r.cost;
    // A late row from an earlier period no longer counts against the budget.
    if (row_start < period_start_ms)
      return;
    if (row_start > period_start_ms) {
      period_start_ms = row_start;
      spent = 0;
    }
    spent += r.cost;
  }
  int64_t period_start_ms_for(int64_t t) const {
    return store::period_start_ms(period, t);
  }
};

} // namespace

PgLedger::PgLedger(PgOptions pg, PgLedgerOptions options,
                   std::unique_ptr<spool::LedgerSpool> spool)
    : pg_(std::move(pg)), options_(options), spool_(std::move(spool)) {
  spool_pending_ = spool_ ? spool_->pending_rows() : 0;
  thread_ = std::thread([this] {
    util::name_current_thread("sy-ledger-pg");
    run();
  });
}

PgLedger::~PgLedger() { close(); }

bool PgLedger::append(LedgerRow row) {
  std::lock_guard lock(mutex_);
  if (closed_ || stopping_ || queue_.size() >= options_.queue_capacity) {
    ++dropped_;
    return false;
  }
  queue_.push_back(std::move(row));
  ++appended_;
  if (queue_.size() >= options_.batch_rows)
    wake_.notify_one();
  return true;
}

uint64_t PgLedger::dropped_rows() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

uint64_t PgLedger::spooled_rows() const {
  std::lock_guard lock(mutex_);
  return spooled_;
}

uint64_t PgLedger::spool_pending_rows() const {
  std::lock_guard lock(mutex_);
  return spool_pending_;
}

Expected<bool, StoreError> PgLedger::flush() {
  std::unique_lock lock(mutex_);
  const uint64_t target = appended_;
  if (done_ >= target)
    return true;
  const uint64_t failures_before = failures_;
  flush_target_ = std::max(flush_target_, target);
  wake_.notify_one();
  committed_.wait(lock, [&] {
    return done_ >= target || failures_ != failures_before || closed_;
  });
  if (done_ >= target)
    return true;
  return unexpected(
      failures_ != failures_before
          ? last_error_
          : StoreError{StoreError::Code::kUnavailable, "ledger closed"});
}

void PgLedger::close() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable())
    thread_.join();
}

void PgLedger::run() {
  auto next_flush = SteadyClock::now() + options_.flush_interval;
  std::unique_lock lock(mutex_);
  int consecutive_failures = 0;
  while (true) {
    wake_.wait_until(lock, next_flush, [&] {
      return stopping_ || flush_target_ > done_ ||
             queue_.size() >= options_.batch_rows;
    });
    if (queue_.empty()) {
      if (spool_pending_ > 0) {
        lock.unlock();
        replay_spool();
        lock.lock();
        spool_pending_ = spool_->pending_rows();
      }
      // Rows still in the spool at shutdown stay there for the next start.
      if (stopping_)
        break;
      next_flush = SteadyClock::now() + options_.flush_interval;
      continue;
    }
    // O(1) under the mutex: a request worker may be waiting in append().
    std::deque<LedgerRow> taken;
    taken.swap(queue_);
    lock.unlock();
    std::vector<LedgerRow> batch(std::make_move_iterator(taken.begin()),
                                 std::make_move_iterator(taken.end()));
    taken.clear();

    // Keep order: while older rows wait in the spool, new ones join them there.
    const bool spool_busy = spool_ && !replay_spool();
    Expected<bool, StoreError> written =
        spool_busy
            ? Expected<bool, StoreError>(unexpected(StoreError{
                  StoreError::Code::kUnavailable, "database unavailable"}))
            : write(batch);
    bool spooled = false;
    if (!written && spool_) {
      auto s = spool_->append(batch);
      spooled = s.has_value();
      if (!s)
        written = unexpected(s.error());
    }

    lock.lock();
    if (spool_)
      spool_pending_ = spool_->pending_rows();
    if (written || spooled) {
      consecutive_failures = 0;
      done_ += batch.size();
      if (spooled)
        spooled_ += batch.size();
    } else {
      ++failures_;
      ++consecutive_failures;
      last_error_ = written.error();
      if (stopping_ && consecutive_failures >= 3) {
        dropped_ += batch.size();
        done_ += batch.size();
      } else {
        for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
          queue_.push_front(std::move(*it));
        }
      }
    }
    committed_.notify_all();
    next_flush = SteadyClock::now() + options_.flush_interval;
  }
  closed_ = true;
  committed_.notify_all();
}

bool PgLedger::replay_spool() {
  if (!spool_ || spool_->empty())
    return true;
  auto c = writer_connection();
  if (!c)
    return false;
  auto rows = spool_->read_all();
  if (!rows)
    return false;
  for (size_t begin = 0; begin < rows->size();
       begin += kRowsPerReplayTransaction) {
    const size_t end =
        std::min(rows->size(), begin + kRowsPerReplayTransaction);
    std::vector<LedgerRow> part(rows->begin() + begin, rows->begin() + end);
    if (!write(part))
      return false; // the spool stays; a later replay dedups
  }
  return spool_->clear().has_value();
}

Expected<Connection *, StoreError> PgLedger::writer_connection() {
  if (writer_ && writer_->healthy())
    return writer_.get();
  writer_.reset();
  const auto now = SteadyClock::now();
  if (now < next_connect_) {
    return unexpected(StoreError{StoreError::Code::kUnavailable,
                                 "postgres: reconnect backoff"});
  }
  auto c = Connection::connect(pg_);
  if (!c) {
    backoff_ = backoff_.count() == 0
                   ? options_.backoff_initial
                   : std::min(backoff_ * 2, options_.backoff_max);
    next_connect_ = SteadyClock::now() + backoff_;
    return unexpected(c.error());
  }
  backoff_ = std::chrono::milliseconds(0);
  writer_ = std::move(*c);
  return writer_.get();
}

Expected<bool, StoreError> PgLedger::write(const std::vector<LedgerRow> &all) {
  // A request id appearing twice in one batch is stored (and charged) once.
  std::vector<const LedgerRow *> rows;
  rows.reserve(all.size());
  std::unordered_set<std::string_view> seen;
  seen.reserve(all.size());
  for (const auto &r : all) {
    if (seen.insert(r.request_id).second)
      rows.push_back(&r);
  }
  auto c = writer_connection();
  if (!c)
    return unexpected(c.error());
  Connection &db = **c;
  auto result = in_transaction(db, [&]() -> Expected<bool, StoreError> {
    for (size_t begin = 0; begin < rows.size(); begin += kRowsPerStatement) {
      const size_t end = std::min(rows.size(), begin + kRowsPerStatement);
      auto w = write_chunk(db, std::span(rows).subspan(begin, end - begin));
      if (!w)
        return w;
    }
    return true;
  });
  if (!result && !db.healthy())
    writer_.reset();
  return result;
}

Expected<bool, StoreError>
PgLedger::write_chunk(Connection &db, std::span<const LedgerRow *const> rows) {
  // Text parameters point into the rows' own strings; the numbers are printed
  // into one buffer reserved up front, so no pointer into it moves.
  constexpr size_t kColumns = 17;
  constexpr size_t kNumbersPerRow = 10;
  constexpr size_t kNumberBytes = 21; // "-9223372036854775808" and its NUL
  std::string numbers;
  numbers.reserve(rows.size() * kNumbersPerRow * kNumberBytes);
  std::vector<size_t> number_at; // offsets into `numbers`, in parameter order
  number_at.reserve(rows.size() * kNumbersPerRow);
  std::string sql = kInsertColumns;
  sql.reserve(sql.size() + rows.size() * kColumns * 7 + 64);
  char digits[24];
  auto put_number = [&](int64_t v) {
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
    number_at.push_back(numbers.size());
    numbers.append(digits, end);
    numbers.push_back('\0');
  };
  size_t param = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    sql += i == 0 ? "(" : ",(";
    for (size_t k = 0; k < kColumns; ++k) {
      if (k)
        sql += ',';
      sql += '$';
      auto [end, ec] = std::to_chars(digits, digits + sizeof digits, ++param);
      sql.append(digits, end);
    }
    sql += ')';
    const LedgerRow &r = *rows[i];
    for (int64_t v : {r.time_ms, static_cast<int64_t>(r.status), r.prompt_tokens,
                      r.completion_tokens, r.cached_tokens, r.reasoning_tokens,
                      r.cost, r.latency_ms, r.ttft_ms,
                      static_cast<int64_t>(r.attempts)})
      put_number(v);
  }
  sql += " ON CONFLICT (request_id) DO NOTHING RETURNING request_id";
  std::vector<const char *> values;
  values.reserve(rows.size() * kColumns);
  const size_t *n = number_at.data();
  auto number = [&] { return numbers.data() + *n++; };
  for (const LedgerRow *row : rows) {
    const LedgerRow &r = *row;
    // Column order of kInsertColumns.
    values.push_back(number()); // time_ms
    values.push_back(r.request_id.c_str());
    values.push_back(r.key_id.c_str());
    values.push_back(r.requested_model.c_str());
    values.push_back(r.policy.c_str());
    values.push_back(r.provider.c_str());
    values.push_back(r.upstream_model.c_str());
    values.push_back(number()); // status
    values.push_back(r.error_class.c_str());
    for (int k = 0; k < 8; ++k)
      values.push_back(number()); // tokens, cost, latency, ttft, attempts
  }
  auto inserted = db.exec_values(sql, values);
  if (!inserted)
    return unexpected(inserted.error());

  std::unordered_set<std::string> fresh;
  for (int i = 0; i < inserted->rows(); ++i)
    fresh.insert(inserted->text(i, 0));
  // Rows to charge, grouped by key; std::map locks keys in id order (no
  // deadlocks between replicas charging the same keys).
  std::map<std::string, std::vector<const LedgerRow *>> by_key;
  for (const LedgerRow *row : rows) {
    const LedgerRow &r = *row;
    if (r.key_id.empty() || r.cost == 0 || !fresh.count(r.request_id))
      continue;
    by_key[r.key_id].push_back(&r);
  }
  for (const auto &[key_id, charged] : by_key) {
    auto k = db.exec("SELECT budget_period, period_start_ms, spent_micros, "
                     "credits_micros FROM keys"
                     " WHERE id = $1 FOR UPDATE",
                     {key_id});
    if (!k)
      return unexpected(k.error());
    if (k->rows() == 0)
      continue; // unknown key: the rows still count in reports
    KeyBalance b;
    b.period = parse_period(k->text(0, 0)).value_or(BudgetPeriod::kNever);
    b.period_start_ms = k->int64(0, 1);
    b.spent = k->int64(0, 2);
    b.credits = k->optional_int64(0, 3);
    for (const LedgerRow *r : charged)
      b.charge(*r);
    auto u = db.exec(
        "UPDATE keys SET period_start_ms = $1, spent_micros = $2, "
        "credits_micros = $3"
        " WHERE id = $4",
        {num(b.period_start_ms), num(b.spent),
         b.credits ? Param(std::to_string(*b.credits)) : std::nullopt, key_id});
    if (!u)
      return unexpected(u.error());
  }
  return true;
}

Expected<UsageReport, StoreError> PgLedger::usage(const UsageQuery &q) {
  const char *group = "key_id";
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
    group = "to_char(to_timestamp(time_ms / 1000.0) AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD')";
    break;
  }
  const std::string sql = fmt::format(
      "SELECT ({}) COLLATE \"C\" AS g, COUNT(*), COALESCE(SUM((status >= "
      "400)::int), 0)::bigint,"
      " SUM(prompt_tokens)::bigint, SUM(completion_tokens)::bigint, "
      "SUM(cached_tokens)::bigint,"
      " SUM(reasoning_tokens)::bigint, SUM(cost_micros)::bigint FROM ledger"
      " WHERE time_ms >= $1 AND time_ms < $2 AND ($3::text = '' OR key_id = "
      "$3::text)"
      " GROUP BY 1 ORDER BY 1",
      group);
  std::lock_guard lock(reader_mutex_);
  if (!reader_ || !reader_->healthy()) {
    auto c = Connection::connect(pg_);
    if (!c)
      return unexpected(c.error());
    reader_ = std::move(*c);
  }
  auto s = reader_->exec(sql, {num(q.from_ms), num(q.to_ms), q.key_id});
  if (!s)
    return unexpected(s.error());
  UsageReport report;
  for (int i = 0; i < s->rows(); ++i) {
    UsageAggregate a;
    a.group = s->text(i, 0);
    a.requests = s->int64(i, 1);
    a.errors = s->int64(i, 2);
    a.prompt_tokens = s->int64(i, 3);
    a.completion_tokens = s->int64(i, 4);
    a.cached_tokens = s->int64(i, 5);
    a.reasoning_tokens = s->int64(i, 6);
    a.cost = s->int64(i, 7);
    UsageAggregate &t = report.total;
    t.requests += a.requests;
    t.errors += a.errors;
    t.prompt_tokens += a.prompt_tokens;
    t.completion_tokens += a.completion_tokens;
    t.cached_tokens += a.cached_tokens;
    t.reasoning_tokens += a.reasoning_tokens;
    t.cost += a.cost;
    report.groups.push_back(std::move(a));
  }
  return report;
}

Expected<bool, StoreError> PgLedger::recompute_balances(int64_t now_ms) {
  std::lock_guard lock(reader_mutex_);
  if (!reader_ || !reader_->healthy()) {
    auto c = Connection::connect(pg_);
    if (!c)
      return unexpected(c.error());
    reader_ = std::move(*c);
  }
  Connection &db = *reader_;
  return in_transaction(db, [&]() -> Expected<bool, StoreError> {
    auto keys =
        db.exec("SELECT id, budget_period FROM keys ORDER BY id FOR UPDATE");
    if (!keys)
      return unexpected(keys.error());
    for (int i = 0; i < keys->rows(); ++i) {
      const std::string id = keys->text(i, 0);
      const BudgetPeriod period =
          parse_period(keys->text(i, 1)).value_or(BudgetPeriod::kNever);
      const int64_t start = period_start_ms(period, now_ms);
      auto b = db.exec(
          "SELECT (SELECT COALESCE(SUM(cost_micros), 0)::bigint FROM ledger"
          "        WHERE key_id = $1 AND time_ms >= $2),"
          "       g.n, g.total, (SELECT COALESCE(SUM(cost_micros), 0)::bigint "
          "FROM ledger"
          "        WHERE key_id = $1 AND time_ms >= g.first)"
          " FROM (SELECT COUNT(*) AS n, COALESCE(SUM(amount_micros), "
          "0)::bigint AS total,"
          "       MIN(time_ms) AS first FROM credit_grants WHERE key_id = $1) "
          "g",
          {id, num(start)});
      if (!b)
        return unexpected(b.error());
      Param credits;
      if (b->int64(0, 1) > 0)
        credits = std::to_string(b->int64(0, 2) - b->int64(0, 3));
      auto u = db.exec("UPDATE keys SET period_start_ms = $1, spent_micros = "
                       "$2, credits_micros = $3"
                       " WHERE id = $4",
                       {num(start), num(b->int64(0, 0)), credits, id});
      if (!u)
        return unexpected(u.error());
    }
    return true;
  });
}

} // namespace sy::store::postgres
