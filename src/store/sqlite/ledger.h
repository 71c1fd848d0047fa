// SqliteLedger: Ledger with a bounded in-memory queue and two background
// writer threads that commit queued rows in transactions (INSERT OR IGNORE on
// request_id, plus the key balance debits), one batch at a time and in order.
//
// The routine writer runs at SCHED_IDLE: it commits every flush interval (or
// once batch_rows wait), and the kernel preempts it the moment a request
// worker wakes, so ledger work never sits in front of a request (under a fair
// scheduler it delayed a worker sharing its core by up to a slice, ~2 ms).
// When it cannot keep up (a saturated core gives it almost no CPU) the
// catch-up writer, at normal priority, takes over: once escalate_rows wait, or
// rows are older than one flush interval, and for every flush() and close().
// The idle writer hands the catch-up writer its open transaction between two
// inserts (of kRowsPerInsert rows, or one), so the catch-up writer waits at
// most one insert's work.
//
// Threads: append() takes a short mutex and never does I/O; the writers share
// one connection (one at a time, under write_mutex_); usage() and
// recompute_balances() use a third connection behind a mutex. Destruction
// calls close(). See store/ledger.h for the contract.
#pragma once

#include <chrono>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "store/ledger.h"
#include "store/sqlite/db.h"

namespace sy::store::sqlite {

struct LedgerOptions {
  // How often queued rows are committed. Default: 1 s. REQUIRES: > 0.
  std::chrono::milliseconds flush_interval{1000};
  // Rows held in memory at most; append() refuses beyond. Default: 100000.
  size_t queue_capacity = 100'000;
  // A batch is committed early when this many rows are waiting; also the most
  // rows one transaction holds. Default: 1000.
  size_t batch_rows = 1'000;
  // The catch-up writer (normal priority) takes over when this many rows are
  // waiting. Default: 4000.
  size_t escalate_rows = 4'000;
  // Run the routine writer at SCHED_IDLE. Default: true.
  bool idle_priority_writer = true;
};

class SqliteLedger final : public Ledger {
 public:
  SqliteLedger(std::unique_ptr<Db> writer, std::unique_ptr<Db> reader, LedgerOptions options);
  ~SqliteLedger() override;

  // Ledger
  bool append(LedgerRow row) override;
  Expected<bool, StoreError> flush() override;
  void close() override;
  Expected<UsageReport, StoreError> usage(const UsageQuery& query) override;
  Expected<bool, StoreError> recompute_balances(int64_t now_ms) override;
  uint64_t dropped_rows() const override;

 private:
  enum class Writer { kIdle, kCatchUp };
  using Clock = std::chrono::steady_clock;

  void run_idle_writer();
  void run_catch_up_writer();
  // Commits the rows queued when it is called (and a batch left open), a
  // transaction of at most batch_rows at a time, until they are done or a
  // write fails; the idle writer also stops (leaving its transaction open)
  // when the catch-up writer asks for the connection.
  void drain(Writer who);
  // Takes up to batch_rows queued rows, not past row number `until` (set to
  // the end of the queue on the first call, when it is kNotYet), and begins
  // their transaction; false when there are none or BEGIN failed.
  static constexpr uint64_t kNotYet = UINT64_MAX;
  bool start_batch(uint64_t& until);                 // REQUIRES: write_mutex_
  // Rows go in kRowsPerInsert to a statement: one statement's setup and
  // reset per chunk instead of per row (about a quarter of a row's cost).
  static constexpr size_t kRowsPerInsert = 16;
  // Inserts batch_[batch_pos_, +kRowsPerInsert) and debits their keys. False
  // (nothing debited) when some of them were stored before: INSERT OR IGNORE
  // does not say which, so the caller redoes the batch a row at a time.
  Expected<bool, StoreError> write_chunk();  // REQUIRES: write_mutex_
  // Inserts one row; debits its key only if the row was not stored before.
  Expected<bool, StoreError> write_row(const LedgerRow& row);  // REQUIRES: write_mutex_
  // Rolls the open transaction back and begins it again, to be written a row
  // at a time from the batch's first row.
  Expected<bool, StoreError> restart_batch_row_by_row();  // REQUIRES: write_mutex_
  // Debits a newly stored row's cost from its key (budget and credits).
  Expected<bool, StoreError> debit_key(const LedgerRow& row);  // REQUIRES: write_mutex_
  void finish_batch(Expected<bool, StoreError> result);       // REQUIRES: write_mutex_
  bool statements_ready();                                    // REQUIRES: write_mutex_

  const LedgerOptions options_;

  // The writers' connection and their batch in progress; GUARDED_BY(write_mutex_).
  std::mutex write_mutex_;
  std::unique_ptr<Db> writer_;
  std::unique_ptr<Stmt> insert_, insert_chunk_, key_period_, charge_, credit_only_;  // prepared once
  std::deque<LedgerRow> batch_;  // taken from the queue; written in one transaction
  size_t batch_pos_ = 0;         // rows of batch_ already written
  bool row_by_row_ = false;      // batch_ holds rows stored before: no chunks
  std::atomic<bool> catch_up_wants_connection_{false};
  std::mutex reader_mutex_;
  std::unique_ptr<Db> reader_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;       // the idle writer waits here
  std::condition_variable wake_catch_up_;  // the catch-up writer waits here
  std::condition_variable committed_;  // flush() waits here
  std::deque<LedgerRow> queue_;        // GUARDED_BY(mutex_)
  uint64_t appended_ = 0;              // rows accepted so far; GUARDED_BY(mutex_)
  uint64_t taken_ = 0;                 // rows moved into a batch so far; GUARDED_BY(mutex_)
  uint64_t done_ = 0;                  // rows committed so far; GUARDED_BY(mutex_)
  Clock::time_point batch_since_;      // when the batch in progress was taken; GUARDED_BY(mutex_)
  bool batch_open_ = false;            // GUARDED_BY(mutex_)
  int consecutive_failures_ = 0;       // GUARDED_BY(mutex_)
  Clock::time_point retry_after_{};    // no writes before this after a failure; GUARDED_BY(mutex_)
  uint64_t flush_target_ = 0;          // GUARDED_BY(mutex_)
  uint64_t failures_ = 0;              // failed batch writes; GUARDED_BY(mutex_)
  uint64_t dropped_ = 0;               // GUARDED_BY(mutex_)
  StoreError last_error_;              // GUARDED_BY(mutex_)
  bool stopping_ = false;              // GUARDED_BY(mutex_)
  bool closed_ = false;                // GUARDED_BY(mutex_)
  std::thread idle_writer_;
  std::thread catch_up_writer_;
};

}  // namespace sy::store::sqlite
