// Bounded in-memory record of every provider request the emulator received,
// for tests to assert what the gateway sent (GET /_emulator/requests).
// Keeps the last kMaxRecords records and at most kMaxTotalBodyBytes of bodies
// (each body is cut to kMaxBodyBytes, with body_truncated set). Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace sy::emulator {

struct RequestRecord {
  uint64_t id = 0;
  uint64_t conn = 0;                // connection id: equal ids mean the same keep-alive connection
  std::string method, path, query;  // path as received (with any /_s/ prefix)
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  bool body_truncated = false;
  std::string scenario;
  int64_t start_ms = 0;    // Unix epoch milliseconds when the request was read
  int status = 0;          // status sent (0 = none sent yet)
  bool completed = false;  // the emulator finished its response
  bool cancelled = false;  // the client closed before the emulator finished
};

class RequestLog {
 public:
  static constexpr std::size_t kMaxRecords = 10'000;
  static constexpr std::size_t kMaxBodyBytes = 1 << 20;
  static constexpr std::size_t kMaxTotalBodyBytes = 256u << 20;

  // Stores `r` (its id is assigned here) and returns the id.
  uint64_t add(RequestRecord r);
  void set_status(uint64_t id, int status);
  void mark_completed(uint64_t id);
  void mark_cancelled(uint64_t id);
  void clear();
  std::vector<RequestRecord> snapshot() const;
  // {"requests":[...]} in arrival order.
  std::string to_json() const;

 private:
  RequestRecord* find(uint64_t id);  // REQUIRES: mu_ held
  mutable std::mutex mu_;
  std::deque<RequestRecord> records_;
  std::size_t body_bytes_ = 0;
  uint64_t next_id_ = 1;
};

}  // namespace sy::emulator
