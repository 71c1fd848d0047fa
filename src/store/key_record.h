// One virtual key as stored. Plain value; copying is cheap enough for the
// admin path, the hot path reads records from an immutable snapshot.
//
// The secret itself is never stored: only its SHA-256 (`key_hash`, 32 raw
// bytes) and a short display prefix ("sk-sy-abcd…").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/money.h"
#include "store/period.h"

namespace sy::store {

struct KeyRecord {
  std::string id;                   // "key_" + random; immutable
  std::string name;                 // free text
  std::string key_hash;             // 32 raw bytes: SHA-256 of the secret; UNIQUE
  std::string key_prefix;           // display only, e.g. "sk-sy-Ab3d…"
  std::vector<std::string> models;  // allowed names and globs; empty = every model
  int64_t rpm = 0;                  // requests per minute; 0 = unlimited
  int64_t tpm = 0;                  // tokens per minute; 0 = unlimited
  int64_t max_parallel = 0;         // in-flight requests; 0 = unlimited
  std::optional<Micros> budget;     // per period; nullopt = no budget
  BudgetPeriod budget_period = BudgetPeriod::kNever;
  int64_t period_start_ms = 0;           // start of the period `spent` belongs to
  Micros spent = 0;                      // settled spend in the current period
  std::optional<Micros> credits;         // remaining prepaid balance; nullopt = not prepaid
  std::optional<int64_t> expires_at_ms;  // nullopt = never expires
  bool revoked = false;
  std::string metadata_json = "{}";  // a JSON object, stored verbatim
  int64_t created_at_ms = 0;
};

}  // namespace sy::store
