// KeyService: the key-management operations shared by the admin API and the
// CLI. Each operation writes the store, then publishes a fresh KeyTable
// snapshot and updates the live counters, so a change is effective for the
// next request on every worker. Blocking I/O: admin path and CLI only.
// Thread-safe as the store is. Errors map to OpenAI-shaped ApiErrors
// (404 unknown key, 400 invalid, 503 store unavailable).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/error.h"
#include "governance/key_table.h"
#include "store/clock.h"
#include "store/counters.h"
#include "store/key_store.h"

namespace sy::governance {

// Fields to set; absent optionals are left as they are (create: defaults).
struct KeyPatch {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> models;
  std::optional<int64_t> rpm;
  std::optional<int64_t> tpm;
  std::optional<int64_t> max_parallel;
  std::optional<std::optional<store::Micros>> budget;  // inner nullopt clears
  std::optional<store::BudgetPeriod> budget_period;
  std::optional<std::optional<int64_t>> expires_at_ms;  // inner nullopt clears
  std::optional<std::string> metadata_json;             // a JSON object
  std::optional<store::Micros> initial_credits;         // create only: prepaid
};

struct CreatedKey {
  store::KeyRecord record;
  std::string secret;  // shown once; never stored or logged
};

class KeyService {
 public:
  // `counters` may be null (CLI: no live process state).
  KeyService(store::KeyStore& keys, KeyRegistry& registry, store::Counters* counters,
             const store::Clock& clock)
      : keys_(keys), registry_(registry), counters_(counters), clock_(clock) {}

  Expected<CreatedKey, api::ApiError> create(const KeyPatch& patch);
  Expected<store::KeyRecord, api::ApiError> update(const std::string& id, const KeyPatch& patch);
  Expected<store::KeyRecord, api::ApiError> revoke(const std::string& id);
  Expected<store::KeyRecord, api::ApiError> top_up(const std::string& id, store::Micros amount);
  Expected<store::KeyRecord, api::ApiError> get(const std::string& id);
  Expected<std::vector<store::KeyRecord>, api::ApiError> list();

  // The record with live balances from the counters, when they know the key.
  store::KeyRecord with_live_balance(store::KeyRecord record) const;

 private:
  void republish();

  store::KeyStore& keys_;
  KeyRegistry& registry_;
  store::Counters* counters_;
  const store::Clock& clock_;
};

api::ApiError to_api_error(const store::StoreError& e);

}  // namespace sy::governance
