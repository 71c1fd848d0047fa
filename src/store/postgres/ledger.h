// PgLedger: Ledger on PostgreSQL with a bounded in-memory queue, one
// background writer thread, and a local spool for database outages.
//
// Writer: every flush interval (or when batch_rows are waiting) it commits
// the queued rows in ONE transaction: multi-row INSERT ... ON CONFLICT
// (request_id) DO NOTHING RETURNING request_id, then, for the rows actually
// inserted, the key balance debits (keys locked FOR UPDATE in id order, same
// period and credit semantics as SqliteLedger). A retried batch therefore
// never double-counts.
// Outage: when the database is unreachable (reconnects back off from
// backoff_initial to backoff_max) the batch is appended to the spool file
// (fsynced) and counts as done; once the database answers again the spool is
// replayed through the same idempotent write, then truncated. Rows stay in
// the spool until a replay commits them, so a crash at any point loses
// nothing the spool accepted. Without a spool path, failed batches stay
// queued in memory and are retried (as SqliteLedger does).
// Threads: append() takes a short mutex and never does I/O, so the request
// path never waits on PostgreSQL; the writer owns its connection and the
// spool; usage() and recompute_balances() use a second connection behind a
// mutex. flush() returns once rows are committed to PostgreSQL or to the
// spool. Destruction calls close(). See store/ledger.h for the contract.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "store/ledger.h"
#include "store/postgres/connection.h"
#include "store/spool/ledger_spool.h"

namespace sy::store::postgres {

struct PgLedgerOptions {
  // How often queued rows are committed. Default: 1 s. REQUIRES: > 0.
  std::chrono::milliseconds flush_interval{1000};
  // Rows held in memory at most; append() refuses beyond. Default: 100000.
  size_t queue_capacity = 100'000;
  // A batch is committed early when this many rows are waiting. Default: 5000.
  size_t batch_rows = 5'000;
  // Reconnect backoff after a failed connection attempt. Defaults: 100 ms → 5
  // s.
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
};

class PgLedger final : public Ledger {
public:
  // `spool` may be null (no outage spooling). Does not connect until needed.
  PgLedger(PgOptions pg, PgLedgerOptions options,
           std::unique_ptr<spool::LedgerSpool> spool);
  ~PgLedger() override;

  // Ledger
  bool append(LedgerRow row) override;
  Expected<bool, StoreError> flush() override;
  void close() override;
  Expected<UsageReport, StoreError> usage(const UsageQuery &query) override;
  Expected<bool, StoreError> recompute_balances(int64_t now_ms) override;
  uint64_t dropped_rows() const override;

  // Rows ever written to the spool, and rows in it now awaiting replay.
  uint64_t spooled_rows() const;
  uint64_t spool_pending_rows() const;

private:
  void run();
  // Commits `rows` (idempotent). Uses/repairs the writer connection.
  Expected<bool, StoreError> write(const std::vector<LedgerRow> &rows);
  // One INSERT of `rows` (at most kRowsPerStatement) and their key debits.
  Expected<bool, StoreError> write_chunk(Connection &c,
                                         std::span<const LedgerRow *const> rows);
  Expected<Connection *, StoreError> writer_connection();
  // Replays the spool when the database is back; true when the spool is empty
  // after.
  bool replay_spool();

  const PgOptions pg_;
  const PgLedgerOptions options_;

  // Writer thread only.
  std::unique_ptr<Connection> writer_;
  std::unique_ptr<spool::LedgerSpool> spool_;
  std::chrono::steady_clock::time_point next_connect_{};
  std::chrono::milliseconds backoff_{0};

  std::mutex reader_mutex_;
  std::unique_ptr<Connection> reader_; // GUARDED_BY(reader_mutex_)

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable committed_;
  std::deque<LedgerRow> queue_; // GUARDED_BY(mutex_)
  uint64_t appended_ = 0;       // GUARDED_BY(mutex_)
  uint64_t done_ = 0;           // GUARDED_BY(mutex_)
  uint64_t flush_target_ = 0;   // GUARDED_BY(mutex_)
  uint64_t failures_ = 0;       // GUARDED_BY(mutex_)
  uint64_t dropped_ = 0;        // GUARDED_BY(mutex_)
  uint64_t spooled_ = 0;        // GUARDED_BY(mutex_)
  uint64_t spool_pending_ = 0;  // GUARDED_BY(mutex_)
  StoreError last_error_;       // GUARDED_BY(mutex_)
  bool stopping_ = false;       // GUARDED_BY(mutex_)
  bool closed_ = false;         // GUARDED_BY(mutex_)
  std::thread thread_;
};

} // namespace sy::store::postgres
