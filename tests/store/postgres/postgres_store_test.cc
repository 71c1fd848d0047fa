// PostgreSQL backend against a real private server (see private_servers.h).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "private_servers.h"
#include "store/postgres/store.h"

namespace sy::store::postgres {
namespace {

using sy::testing::PrivatePostgres;
using sy::testing::TempDir;

class PostgresTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    server_ = new PrivatePostgres();
    if (server_->ok())
      server_->start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(server_->ok()) << server_->error();
    static int counter = 0;
    db_ = "t" + std::to_string(++counter);
    ASSERT_TRUE(server_->sql("CREATE DATABASE " + db_));
  }
  PgOptions options() const {
    PgOptions o;
    o.url = server_->url(db_);
    o.connect_timeout_s = 2;
    o.statement_timeout = std::chrono::milliseconds(3000);
    return o;
  }
  int64_t count(const std::string &query) {
    return std::atoll(server_->scalar(query, db_).c_str());
  }

  static PrivatePostgres *server_;
  std::string db_;
};
PrivatePostgres *PostgresTest::server_ = nullptr;

KeyRecord key(std::string id, char hash_byte) {
  KeyRecord r;
  r.id = std::move(id);
  r.name = "team-a";
  r.key_hash = std::string(32, hash_byte);
  r.key_hash[0] = '\0'; // raw bytes, NUL included
  r.key_prefix = "sk-sy-abcd\u2026";
  r.models = {"gpt-4o*", "auto:*"};
  r.rpm = 10;
  r.created_at_ms = 1000;
  return r;
}

LedgerRow row(std::string request_id, std::string key_id, Micros cost,
              int64_t time_ms = 5000) {
  LedgerRow r;
  r.time_ms = time_ms;
  r.request_id = std::move(request_id);
  r.key_id = std::move(key_id);
  r.requested_model = "gpt-4o";
  r.provider = "openai";
  r.upstream_model = "gpt-4o-2024-08-06";
  r.status = 200;
  r.prompt_tokens = 10;
  r.completion_tokens = 5;
  r.cost = cost;
  r.attempts = 1;
  return r;
}

TEST_F(PostgresTest, MigratesEmptyDatabaseAndRerunIsNoOp) {
  auto c = Connection::connect(options());
  ASSERT_TRUE(c) << c.error().message;
  auto before = schema_version(**c);
  ASSERT_TRUE(before);
  EXPECT_EQ(*before, 0);
  auto v = migrate(**c);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, latest_schema_version());
  auto again = migrate(options()); // the `switchyard migrate` entry point
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, latest_schema_version());
  EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"),
            latest_schema_version());
  EXPECT_EQ(
      count("SELECT COUNT(*) FROM information_schema.tables WHERE table_name IN"
            " ('keys','ledger','credit_grants')"),
      3);
}

TEST_F(PostgresTest, ConcurrentMigrationsRunEachStepOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (migrate(options()))
        ++ok;
    });
  }
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"),
            latest_schema_version());
}

TEST_F(PostgresTest, KeyStoreCrud) {
  PostgresStoreOptions o;
  o.pg = options();
  auto store = open_postgres_store(o);
  ASSERT_TRUE(store) << store.error().message;
  KeyStore &keys = *store->keys;

  KeyRecord k = key("key_1", '\x01');
  k.budget = 5'000'000;
  k.budget_period = BudgetPeriod::kMonthly;
  k.expires_at_ms = 99'000;
  k.metadata_json = R"({"team":"a"})";
  auto created = keys.create(k);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->key_hash, k.key_hash);
  EXPECT_EQ(created->models, k.models);
  EXPECT_EQ(created->budget, k.budget);
  EXPECT_EQ(created->budget_period, BudgetPeriod::kMonthly);
  EXPECT_EQ(created->expires_at_ms, 99'000);
  EXPECT_FALSE(created->credits.has_value());

  auto dup = keys.create(k);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, StoreError::Code::kConflict);

  auto by_hash = keys.get_by_hash(k.key_hash);
  ASSERT_TRUE(by_hash);
  EXPECT_EQ(by_hash->id, "key_1");
  EXPECT_EQ(keys.get("nope").error().code, StoreError::Code::kNotFound);

  k.name = "renamed";
  k.rpm = 99;
  k.budget.reset();
  auto updated = keys.update(k);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->name, "renamed");
  EXPECT_EQ(updated->rpm, 99);
  EXPECT_FALSE(updated->budget.has_value());

  auto topped = keys.add_credits("key_1", 2'000'000, 2000);
  ASSERT_TRUE(topped);
  EXPECT_EQ(topped->credits, 2'000'000);
  EXPECT_EQ(keys.add_credits("nope", 1, 1).error().code,
            StoreError::Code::kNotFound);

  auto revoked = keys.revoke("key_1");
  ASSERT_TRUE(revoked);
  EXPECT_TRUE(revoked->revoked);
  ASSERT_TRUE(keys.create(key("key_2", '\x02')));
  auto all = keys.list();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "key_1");
}

TEST_F(PostgresTest, LedgerBatchesAreIdempotentOnRequestId) {
  PostgresStoreOptions o;
  o.pg = options();
  o.ledger.flush_interval = std::chrono::milliseconds(50);
  auto store = open_postgres_store(o);
  ASSERT_TRUE(store) << store.error().message;
  KeyRecord k = key("key_1", '\x01');
  k.credits = 10'000;
  ASSERT_TRUE(store->keys->create(k));

  for (int i = 0; i < 2500; ++i)
    store->ledger->append(row("req-" + std::to_string(i), "key_1", 2));
  store->ledger->append(
      row("req-7", "key_1", 2)); // duplicate in the same batch
  ASSERT_TRUE(store->ledger->flush());
  // A retried flush (same rows again) stores and charges nothing more.
  for (int i = 0; i < 2500; ++i)
    store->ledger->append(row("req-" + std::to_string(i), "key_1", 2));
  ASSERT_TRUE(store->ledger->flush());

  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger"), 2500);
  EXPECT_EQ(count("SELECT COUNT(DISTINCT request_id) FROM ledger"), 2500);
  auto after = store->keys->get("key_1");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->spent, 5000);
  EXPECT_EQ(after->credits, 5000);

  auto usage = store->ledger->usage({});
  ASSERT_TRUE(usage) << usage.error().message;
  EXPECT_EQ(usage->total.requests, 2500);
  EXPECT_EQ(usage->total.cost, 5000);
  UsageQuery by_day;
  by_day.group_by = GroupBy::kDay;
  auto days = store->ledger->usage(by_day);
  ASSERT_TRUE(days);
  ASSERT_EQ(days->groups.size(), 1u);
  EXPECT_EQ(days->groups[0].group, "1970-01-01");

  // recompute_balances agrees with the incremental debits.
  ASSERT_TRUE(store->ledger->recompute_balances(10'000));
  after = store->keys->get("key_1");
  EXPECT_EQ(after->spent, 5000);
  EXPECT_EQ(after->credits, 5000);
}

// Rows span several INSERT statements; every column arrives as appended,
// including negative numbers, empty texts and text that needs no escaping.
TEST_F(PostgresTest, LedgerStoresEveryColumnAcrossStatements) {
  PostgresStoreOptions o;
  o.pg = options();
  auto store = open_postgres_store(o);
  ASSERT_TRUE(store) << store.error().message;
  constexpr int kRows = 345; // more than three statements' worth
  for (int i = 0; i < kRows; ++i) {
    LedgerRow r = row("req-" + std::to_string(i), i % 2 ? "" : "key_x", i,
                      1'700'000'000'000 + i);
    r.policy = "auto:cheap";
    r.error_class = i % 3 ? "" : "rate_limited";
    r.status = i % 3 ? 200 : 429;
    r.prompt_tokens = 1000 + i;
    r.completion_tokens = 2000 + i;
    r.cached_tokens = i;
    r.reasoning_tokens = 7;
    r.latency_ms = 40 + i;
    r.ttft_ms = i % 5 ? 12 : -1;
    r.attempts = 1 + i % 3;
    r.requested_model = "model's \"name\" $1";
    ASSERT_TRUE(store->ledger->append(std::move(r)));
  }
  ASSERT_TRUE(store->ledger->flush());
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger"), kRows);
  for (int i : {0, 1, 99, 100, 101, 200, 344}) {
    const std::string where = " FROM ledger WHERE request_id = 'req-" + std::to_string(i) + "'";
    EXPECT_EQ(server_->scalar("SELECT concat_ws('|', time_ms, key_id, requested_model, policy,"
                              " provider, upstream_model, status, error_class, prompt_tokens,"
                              " completion_tokens, cached_tokens, reasoning_tokens, cost_micros,"
                              " latency_ms, ttft_ms, attempts)" + where, db_),
              std::to_string(1'700'000'000'000 + i) + "|" + (i % 2 ? "" : "key_x") +
                  "|model's \"name\" $1|auto:cheap|openai|gpt-4o-2024-08-06|" +
                  (i % 3 ? "200|" : "429|rate_limited") + "|" + std::to_string(1000 + i) +
                  "|" + std::to_string(2000 + i) + "|" + std::to_string(i) + "|7|" +
                  std::to_string(i) + "|" + std::to_string(40 + i) + "|" +
                  (i % 5 ? "12" : "-1") + "|" + std::to_string(1 + i % 3))
        << "row " << i;
  }
}

TEST_F(PostgresTest,
       DatabaseStoppedMidLoadSpoolsThenReplaysWithoutLossOrDuplicates) {
  TempDir dir;
  PostgresStoreOptions o;
  o.pg = options();
  o.pg.connect_timeout_s = 1;
  o.ledger.flush_interval = std::chrono::milliseconds(20);
  o.ledger.backoff_initial = std::chrono::milliseconds(20);
  o.ledger.backoff_max = std::chrono::milliseconds(200);
  o.spool_path = dir.file("ledger.spool");
  auto store = open_postgres_store(o);
  ASSERT_TRUE(store) << store.error().message;
  KeyRecord k = key("key_1", '\x01');
  k.credits = 1'000'000;
  ASSERT_TRUE(store->keys->create(k));
  PgLedger &ledger = *store->ledger;

  constexpr int kRows = 3000;
  std::atomic<int> appended{0};
  std::thread load([&] {
    for (int i = 0; i < kRows; ++i) {
      // Appends never wait on the database, whatever its state.
      const auto t0 = std::chrono::steady_clock::now();
      EXPECT_TRUE(ledger.append(row("r" + std::to_string(i), "key_1", 3)));
      EXPECT_LT(std::chrono::steady_clock::now() - t0,
                std::chrono::milliseconds(50));
      ++appended;
      if (i % 10 == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  while (appended < kRows / 4)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server_->stop();
  while (appended < kRows * 3 / 4)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // flush() returns once rows are durable in the spool, database or not.
  ASSERT_TRUE(ledger.flush());
  EXPECT_GT(ledger.spooled_rows(), 0u);
  EXPECT_GT(ledger.spool_pending_rows(), 0u);
  ASSERT_TRUE(server_->start()) << server_->error();
  load.join();
  ASSERT_TRUE(ledger.flush());
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (ledger.spool_pending_rows() > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(ledger.spool_pending_rows(), 0u);
  EXPECT_EQ(ledger.dropped_rows(), 0u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger"), kRows);
  EXPECT_EQ(count("SELECT COUNT(DISTINCT request_id) FROM ledger"), kRows);
  auto after = store->keys->get("key_1");
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->spent, 3 * kRows);
  EXPECT_EQ(after->credits, 1'000'000 - 3 * kRows);
}

TEST_F(PostgresTest, SpoolLeftByACrashIsReplayedAtStartup) {
  TempDir dir;
  {
    auto spool = spool::LedgerSpool::open(dir.file("ledger.spool"));
    ASSERT_TRUE(spool);
    ASSERT_TRUE((*spool)->append({row("a", "", 0), row("b", "", 0)}));
  }
  PostgresStoreOptions o;
  o.pg = options();
  o.ledger.flush_interval = std::chrono::milliseconds(20);
  o.spool_path = dir.file("ledger.spool");
  auto store = open_postgres_store(o);
  ASSERT_TRUE(store) << store.error().message;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (store->ledger->spool_pending_rows() > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger"), 2);
}

TEST_F(PostgresTest, UnreachableDatabaseFailsFastAndBounded) {
  PgOptions o = options();
  o.url = "postgresql://postgres@127.0.0.1:" +
          std::to_string(sy::testing::free_port()) + "/x";
  o.connect_timeout_s = 1;
  const auto t0 = std::chrono::steady_clock::now();
  auto c = Connection::connect(o);
  EXPECT_FALSE(c);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

} // namespace
} // namespace sy::store::postgres
