// SqliteLedger: Ledger with a bounded in-memory queue and one background
// writer thread that commits a batch per flush interval in one transaction
// (INSERT OR IGNORE on request_id, plus the key balance debits).
//
// Threads: append() takes a short mutex and never does I/O; the writer owns
// its own connection; usage() and recompute_balances() use a third connection
// behind a mutex. Destruction calls close(). See store/ledger.h for the contract.
#pragma once

#include <chrono>
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
  // A batch is committed early when this many rows are waiting. Default: 5000.
  size_t batch_rows = 5'000;
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
  void run();
  Expected<bool, StoreError> write_batch(const std::deque<LedgerRow>& rows);

  const LedgerOptions options_;
  std::unique_ptr<Db> writer_;  // used by the writer thread only
  std::mutex reader_mutex_;
  std::unique_ptr<Db> reader_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;       // writer waits here
  std::condition_variable committed_;  // flush() waits here
  std::deque<LedgerRow> queue_;        // GUARDED_BY(mutex_)
  uint64_t appended_ = 0;              // rows accepted so far; GUARDED_BY(mutex_)
  uint64_t done_ = 0;                  // rows committed so far; GUARDED_BY(mutex_)
  uint64_t flush_target_ = 0;          // GUARDED_BY(mutex_)
  uint64_t failures_ = 0;              // failed batch writes; GUARDED_BY(mutex_)
  uint64_t dropped_ = 0;               // GUARDED_BY(mutex_)
  StoreError last_error_;              // GUARDED_BY(mutex_)
  bool stopping_ = false;              // GUARDED_BY(mutex_)
  bool closed_ = false;                // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace sy::store::sqlite
