// Shared test wiring: a SQLite store in a temp dir, counters, registry,
// key service and admin context, on a manual clock.
#pragma once

#include <gtest/gtest.h>

#include "../store/temp_dir.h"
#include "governance/admin.h"
#include "store/memory_counters.h"
#include "store/sqlite/store.h"

namespace sy::governance::testing {

inline constexpr const char* kAdminKey = "admin-secret-123";

struct Gateway {
  sy::testing::TempDir dir;
  store::ManualClock clock{1'700'000'000'000};
  store::sqlite::SqliteStore store;
  store::MemoryCounters counters;
  KeyRegistry registry;
  std::unique_ptr<KeyService> keys;
  std::unique_ptr<AdminContext> admin;

  Gateway() {
    store::sqlite::SqliteOptions options;
    options.path = dir.file("gw.db");
    options.ledger.flush_interval = std::chrono::milliseconds(60'000);
    auto opened = store::sqlite::open_sqlite_store(options);
    EXPECT_TRUE(opened.has_value());
    store = std::move(*opened);
    keys = std::make_unique<KeyService>(*store.keys, registry, &counters, clock);
    admin = std::make_unique<AdminContext>(AdminContext{kAdminKey, *keys, *store.ledger});
  }

  AdminResponse call(std::string method, std::string path, std::string body = {},
                     std::string query = {},
                     std::string auth = std::string("Bearer ") + kAdminKey) {
    return handle_admin(
        {std::move(method), std::move(path), std::move(query), std::move(body), std::move(auth)},
        *admin);
  }
};

}  // namespace sy::governance::testing
