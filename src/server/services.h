// Long-lived services the request path uses besides configuration: the key
// and ledger store, rate-limit and budget counters, the key registry (an
// immutable snapshot swapped on change), the governor, and the admin API.
// Opened once at start-up (errors are start-up errors); thread-safe to use
// from every worker; outlives the Server.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "governance/admin.h"
#include "governance/admission.h"
#include "governance/key_service.h"
#include "governance/key_table.h"
#include "store/clock.h"
#include "store/memory_counters.h"
#include "store/sqlite/store.h"
#include "util/expected.h"

namespace sy::server {

struct Services {
  const store::Clock& clock = store::SystemClock::instance();
  store::sqlite::SqliteStore store;
  store::MemoryCounters counters;
  governance::KeyRegistry registry;
  std::unique_ptr<governance::KeyService> keys;
  std::unique_ptr<governance::Governor> governor;
  std::unique_ptr<governance::AdminContext> admin;  // null when no admin_key is configured

  // Keys are required when any exists or the config says so.
  bool keys_required(const config::Config& cfg) const {
    return cfg.require_keys || registry.snapshot()->size() > 0;
  }
};

// The SQLite path of a `store:` URL ("sqlite://PATH"), or an error.
Expected<std::string, std::string> sqlite_path(const std::string& store_url);

Expected<std::unique_ptr<Services>, std::string> open_services(const config::Config& cfg);

}  // namespace sy::server
