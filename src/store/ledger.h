// Ledger: the durable, append-only record of every request, and the source of
// truth for spend (balances in the key store are recomputable from it).
//
// Contract:
// - append() is cheap and non-blocking (no I/O): it queues the row for a
//   background writer that commits batches every flush interval, and returns
//   false only when the bounded queue is full or the ledger is closed (the row
//   is then dropped and counted in dropped_rows()).
// - Rows are idempotent on request_id: appending the same request twice, or
//   retrying a batch, stores and charges it once.
// - Committing a row also debits its cost from the key's durable `spent`
//   (rolling the budget period over when the row's time is in a new period)
//   and from its `credits` when the key is prepaid, in the same transaction.
// - flush() blocks until every row appended before the call is committed (or
//   a write failed); close() flushes and stops the writer; nothing appended
//   before close() is lost. After a crash at most the last flush interval of
//   rows is missing, together with their debits.
// - usage() and recompute_balances() block on I/O; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/money.h"
#include "store/store_error.h"
#include "util/expected.h"

namespace sy::store {

struct LedgerRow {
  int64_t time_ms = 0;          // when the request ended
  std::string request_id;       // unique per request
  std::string key_id;           // empty when the request carried no key
  std::string requested_model;  // model or policy the client asked for
  std::string policy;           // routing policy / tier, if any
  std::string provider;         // provider that served (or last failed)
  std::string upstream_model;   // model name sent upstream
  int status = 0;               // HTTP status returned to the client
  std::string error_class;      // empty on success
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t reasoning_tokens = 0;
  Micros cost = 0;
  int64_t latency_ms = 0;
  int64_t ttft_ms = -1;  // -1 when not streamed / unknown
  int attempts = 0;
};

enum class GroupBy { kKey, kModel, kProvider, kDay };

struct UsageQuery {
  int64_t from_ms = 0;        // inclusive
  int64_t to_ms = INT64_MAX;  // exclusive
  GroupBy group_by = GroupBy::kKey;
  std::string key_id;  // empty = every key
};

struct UsageAggregate {
  std::string group;  // key id, model, provider or "YYYY-MM-DD"
  int64_t requests = 0;
  int64_t errors = 0;  // rows with status >= 400
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t reasoning_tokens = 0;
  Micros cost = 0;
};

struct UsageReport {
  std::vector<UsageAggregate> groups;  // ordered by group
  UsageAggregate total;                // group is empty
};

class Ledger {
 public:
  virtual ~Ledger() = default;
  virtual bool append(LedgerRow row) = 0;
  virtual Expected<bool, StoreError> flush() = 0;
  virtual void close() = 0;
  virtual Expected<UsageReport, StoreError> usage(const UsageQuery& query) = 0;
  // Rebuilds every key's durable spent (current period) and credits (grants
  // minus ledger cost) from the ledger. Use after restoring a backup or to audit.
  virtual Expected<bool, StoreError> recompute_balances(int64_t now_ms) = 0;
  virtual uint64_t dropped_rows() const = 0;
};

}  // namespace sy::store
