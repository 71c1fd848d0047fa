// LedgerSpool: a local append-only file that keeps ledger rows while the
// database is unreachable, so no committed-to-the-gateway row is lost.
//
// Format: a sequence of records, each
//   u32 payload length (LE) | u32 CRC-32 of the payload (LE) | payload
// where a payload is one batch: u32 row count, then each LedgerRow field in
// declaration order (integers as i64 LE, strings as u32 length + bytes).
// append() writes one record and fsyncs it before returning, so a batch the
// spool accepted survives a crash. A record cut short by a crash (torn tail)
// or failing its CRC ends the valid prefix: open() truncates the file there
// and counts what it dropped; nothing before it is affected.
//
// Replay is the caller's business (PgLedger inserts the rows with ON CONFLICT
// (request_id) DO NOTHING, so replaying a batch twice stores it once), after
// which clear() empties the file.
//
// Not thread-safe: one owner (the ledger's writer thread). Errors are values.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store/ledger.h"
#include "store/store_error.h"
#include "util/expected.h"

namespace sy::store::spool {

// A record larger than this is treated as corruption (bounds reads of
// untrusted bytes). A batch this large is split by append().
inline constexpr uint32_t kMaxRecordBytes = 64u << 20;

class LedgerSpool {
public:
  // Opens or creates the file at `path`, validating every record and
  // truncating a torn or corrupt tail.
  static Expected<std::unique_ptr<LedgerSpool>, StoreError>
  open(const std::string &path);
  ~LedgerSpool();
  LedgerSpool(const LedgerSpool &) = delete;
  LedgerSpool &operator=(const LedgerSpool &) = delete;

  // Appends `rows` as one (or, when huge, several) records and fsyncs. On
  // failure the file is cut back to its previous length.
  Expected<bool, StoreError> append(const std::vector<LedgerRow> &rows);
  // Every row of every valid record, in append order.
  Expected<std::vector<LedgerRow>, StoreError> read_all();
  // Empties the file (after a successful replay) and fsyncs.
  Expected<bool, StoreError> clear();

  uint64_t pending_rows() const { return pending_rows_; }
  bool empty() const { return pending_rows_ == 0; }
  // Bytes dropped by open() because of a torn or corrupt tail.
  uint64_t dropped_tail_bytes() const { return dropped_tail_bytes_; }
  const std::string &path() const { return path_; }

private:
  LedgerSpool(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  Expected<bool, StoreError> append_record(const std::vector<LedgerRow> &rows,
                                           size_t begin, size_t end);

  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0; // bytes of valid records
  uint64_t pending_rows_ = 0;
  uint64_t dropped_tail_bytes_ = 0;
};

// Codec, exposed for tests.
std::string encode_batch(const std::vector<LedgerRow> &rows, size_t begin,
                         size_t end);
// Appends the rows of `payload` to `out`; false when malformed.
bool decode_batch(std::string_view payload, std::vector<LedgerRow> &out);

} // namespace sy::store::spool
