#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "store/sqlite/store.h"
#include "../util/busy_core.h"
#include "temp_dir.h"

namespace sy::store::sqlite {
namespace {

using sy::testing::TempDir;

SqliteStore open_store(const std::string& path, int flush_ms = 1000, LedgerOptions ledger = {}) {
  SqliteOptions options;
  options.path = path;
  options.ledger = ledger;
  options.ledger.flush_interval = std::chrono::milliseconds(flush_ms);
  auto s = open_sqlite_store(options);
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
  return std::move(*s);
}

KeyRecord key(std::string id, std::string hash) {
  KeyRecord r;
  r.id = std::move(id);
  r.name = "team-a";
  r.key_hash = std::move(hash);
  r.key_prefix = "sk-sy-abcd\u2026";
  r.models = {"gpt-4o*", "auto:*"};
  r.rpm = 10;
  r.created_at_ms = 1000;
  return r;
}

LedgerRow row(std::string request_id, std::string key_id, Micros cost, int64_t time_ms = 5000) {
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

TEST(SqliteKeyStore, Lifecycle) {
  TempDir dir;
  auto store = open_store(dir.file("s.db"));
  KeyStore& keys = *store.keys;
  std::string hash(32, '\x01');
  auto created = keys.create(key("key_1", hash));
  ASSERT_TRUE(created.has_value());
  EXPECT_EQ(created->models, (std::vector<std::string>{"gpt-4o*", "auto:*"}));
  EXPECT_FALSE(created->credits.has_value());
  EXPECT_EQ(keys.create(key("key_2", hash)).error().code, StoreError::Code::kConflict);
  EXPECT_EQ(keys.get_by_hash(hash)->id, "key_1");
  EXPECT_EQ(keys.get("nope").error().code, StoreError::Code::kNotFound);

  KeyRecord changed = *created;
  changed.rpm = 99;
  changed.budget = 5'000'000;
  changed.budget_period = BudgetPeriod::kMonthly;
  changed.spent = 123;  // balances are not settable through update
  auto updated = keys.update(changed);
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(updated->rpm, 99);
  EXPECT_EQ(updated->budget, Micros{5'000'000});
  EXPECT_EQ(updated->spent, 0);

  auto topped = keys.add_credits("key_1", 2'000'000, 2000);
  ASSERT_TRUE(topped.has_value());
  EXPECT_EQ(topped->credits, Micros{2'000'000});
  EXPECT_EQ(keys.add_credits("key_1", 0, 2000).error().code, StoreError::Code::kInvalid);
  EXPECT_TRUE(keys.revoke("key_1")->revoked);
  EXPECT_EQ(keys.revoke("nope").error().code, StoreError::Code::kNotFound);
  EXPECT_EQ(keys.list()->size(), 1u);
}

TEST(SqliteStore, MigrationsAreVersionedAndIdempotent) {
  TempDir dir;
  { auto s = open_store(dir.file("s.db")); }
  { auto s = open_store(dir.file("s.db")); }
  auto db = Db::open(dir.file("s.db"), false);
  ASSERT_TRUE(db.has_value());
  EXPECT_EQ(*(*db)->schema_version(), 1);
  ASSERT_TRUE((*db)->migrate().has_value());
  EXPECT_EQ(*(*db)->schema_version(), 1);
}

TEST(SqliteStore, RewindKeepsBoundParametersResetClearsThem) {
  TempDir dir;
  auto db = Db::open(dir.file("s.db"), false);
  ASSERT_TRUE(db.has_value());
  Stmt echo(**db, "SELECT ?1, ?2");
  ASSERT_TRUE(echo.ok());
  echo.bind(1, int64_t{7}).bind(2, std::string_view("seven"));
  ASSERT_EQ(echo.step(), SQLITE_ROW);
  echo.rewind();
  ASSERT_EQ(echo.step(), SQLITE_ROW);
  EXPECT_EQ(echo.int64(0), 7);
  EXPECT_EQ(echo.text(1), "seven");
  echo.reset();
  ASSERT_EQ(echo.step(), SQLITE_ROW);
  EXPECT_EQ(echo.optional_int64(0), std::nullopt);
  EXPECT_EQ(echo.text(1), "");
}

TEST(SqliteStore, BorrowedTextIsReadAtStepAndStoredAsACopy) {
  TempDir dir;
  auto db = Db::open(dir.file("s.db"), false);
  ASSERT_TRUE(db.has_value());
  ASSERT_TRUE((*db)->exec("CREATE TABLE t(v TEXT NOT NULL)").has_value());
  Stmt insert(**db, "INSERT INTO t(v) VALUES(?1)");
  ASSERT_TRUE(insert.ok());
  std::string value = "first";
  insert.bind_borrowed(1, value);
  ASSERT_EQ(insert.step(), SQLITE_DONE);
  value = "second";  // rebound below, as the ledger does for every row
  insert.rewind();
  insert.bind_borrowed(1, value);
  ASSERT_EQ(insert.step(), SQLITE_DONE);
  value = "changed after the step";
  std::string empty;
  insert.rewind();
  insert.bind_borrowed(1, empty);  // empty, not NULL
  ASSERT_EQ(insert.step(), SQLITE_DONE);
  Stmt read(**db, "SELECT v FROM t ORDER BY rowid");
  std::vector<std::string> got;
  while (read.step() == SQLITE_ROW) got.push_back(read.text(0));
  EXPECT_EQ(got, (std::vector<std::string>{"first", "second", ""}));
}

TEST(SqliteLedger, BatchesAreIdempotentAndDebitBalances) {
  TempDir dir;
  auto store = open_store(dir.file("s.db"), 60'000);  // only explicit flushes
  KeyRecord k = key("key_1", std::string(32, '\x02'));
  k.credits = 1'000'000;
  ASSERT_TRUE(store.keys->create(k).has_value());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(store.ledger->append(row("req-" + std::to_string(i), "key_1", 1000)));
  }
  // Nothing is committed before the flush interval or an explicit flush.
  EXPECT_EQ(store.ledger->usage({})->total.requests, 0);
  ASSERT_TRUE(store.ledger->flush().has_value());
  // Replayed rows (a retried flush, a duplicate append) count once.
  for (int i = 0; i < 100; ++i)
    store.ledger->append(row("req-" + std::to_string(i), "key_1", 1000));
  ASSERT_TRUE(store.ledger->flush().has_value());
  const UsageReport report = *store.ledger->usage({});
  EXPECT_EQ(report.total.requests, 100);
  EXPECT_EQ(report.total.cost, 100'000);
  auto after = store.keys->get("key_1");
  EXPECT_EQ(after->spent, 100'000);
  EXPECT_EQ(after->credits, Micros{900'000});
}

TEST(SqliteLedger, ReplayedRowsInsideAMultiRowInsertAreDebitedOnce) {
  TempDir dir;
  auto store = open_store(dir.file("s.db"), 60'000);
  KeyRecord k = key("key_1", std::string(32, '\x04'));
  k.credits = 1'000'000;
  ASSERT_TRUE(store.keys->create(k).has_value());
  // 37 rows: two inserts of 16 rows and five single ones.
  for (int i = 0; i < 37; ++i) store.ledger->append(row("a" + std::to_string(i), "key_1", 10));
  ASSERT_TRUE(store.ledger->flush().has_value());
  EXPECT_EQ(store.keys->get("key_1")->spent, 370);
  // A batch of 40 whose first 16 hold one replayed row and one row twice.
  for (int i = 0; i < 40; ++i) {
    std::string id = "b" + std::to_string(i);
    if (i == 5) id = "a3";
    if (i == 9) id = "b8";
    store.ledger->append(row(id, "key_1", 100));
  }
  ASSERT_TRUE(store.ledger->flush().has_value());
  const UsageReport report = *store.ledger->usage({});
  EXPECT_EQ(report.total.requests, 37 + 38);
  EXPECT_EQ(report.total.cost, 370 + 3800);
  const KeyRecord after = *store.keys->get("key_1");
  EXPECT_EQ(after.spent, 370 + 3800);
  EXPECT_EQ(after.credits, Micros{1'000'000 - 370 - 3800});
  // The next batch goes back to multi-row inserts.
  for (int i = 0; i < 20; ++i) store.ledger->append(row("c" + std::to_string(i), "key_1", 1));
  ASSERT_TRUE(store.ledger->flush().has_value());
  EXPECT_EQ(store.ledger->usage({})->total.requests, 37 + 38 + 20);
  EXPECT_EQ(store.keys->get("key_1")->spent, 370 + 3800 + 20);
}

TEST(SqliteLedger, UsageTotalsEqualTheSumOfRows) {
  TempDir dir;
  auto store = open_store(dir.file("s.db"), 60'000);
  const int64_t day = 86'400'000;
  Micros expected_cost = 0;
  int64_t expected_prompt = 0;
  for (int i = 0; i < 300; ++i) {
    LedgerRow r = row("r" + std::to_string(i), i % 3 == 0 ? "key_a" : "key_b", 7 * i + 1,
                      day * (19'000 + i % 4) + i);
    r.requested_model = i % 2 ? "gpt-4o" : "claude";
    r.provider = i % 5 ? "openai" : "anthropic";
    r.prompt_tokens = i;
    r.status = i % 7 == 0 ? 502 : 200;
    expected_cost += r.cost;
    expected_prompt += r.prompt_tokens;
    store.ledger->append(r);
  }
  ASSERT_TRUE(store.ledger->flush().has_value());
  for (GroupBy g : {GroupBy::kKey, GroupBy::kModel, GroupBy::kProvider, GroupBy::kDay}) {
    UsageQuery q;
    q.group_by = g;
    const UsageReport report = *store.ledger->usage(q);
    Micros sum = 0;
    int64_t requests = 0;
    for (const auto& a : report.groups) {
      sum += a.cost;
      requests += a.requests;
    }
    EXPECT_EQ(sum, expected_cost);
    EXPECT_EQ(report.total.cost, expected_cost);
    EXPECT_EQ(report.total.prompt_tokens, expected_prompt);
    EXPECT_EQ(requests, 300);
    EXPECT_EQ(report.total.errors, 43);
  }
  UsageQuery by_day;
  by_day.group_by = GroupBy::kDay;
  by_day.from_ms = day * 19'001;
  by_day.to_ms = day * 19'003;
  const UsageReport days = *store.ledger->usage(by_day);
  ASSERT_EQ(days.groups.size(), 2u);
  EXPECT_EQ(days.total.requests, 150);
}

TEST(SqliteLedger, BalancesAreRecomputableFromTheLedger) {
  TempDir dir;
  auto store = open_store(dir.file("s.db"), 60'000);
  KeyRecord k = key("key_1", std::string(32, '\x03'));
  k.credits = 500;
  k.budget = 10'000;
  k.budget_period = BudgetPeriod::kNever;
  ASSERT_TRUE(store.keys->create(k).has_value());
  store.keys->add_credits("key_1", 1000, 1500);
  for (int i = 0; i < 10; ++i) store.ledger->append(row("r" + std::to_string(i), "key_1", 30));
  ASSERT_TRUE(store.ledger->flush().has_value());
  const KeyRecord before = *store.keys->get("key_1");
  ASSERT_TRUE(store.ledger->recompute_balances(10'000).has_value());
  const KeyRecord after = *store.keys->get("key_1");
  EXPECT_EQ(after.spent, 300);
  EXPECT_EQ(after.credits, Micros{1200});
  EXPECT_EQ(before.spent, after.spent);
  EXPECT_EQ(before.credits, after.credits);
}

TEST(SqliteLedger, GracefulCloseLosesNothing) {
  TempDir dir;
  {
    auto store = open_store(dir.file("s.db"), 60'000);
    for (int i = 0; i < 1000; ++i) store.ledger->append(row("r" + std::to_string(i), "", 1));
    store.ledger->close();
    EXPECT_FALSE(store.ledger->append(row("late", "", 1)));
    EXPECT_EQ(store.ledger->dropped_rows(), 1u);
  }
  auto store = open_store(dir.file("s.db"));
  EXPECT_EQ(store.ledger->usage({})->total.requests, 1000);
}

TEST(SqliteLedger, FlushesOnItsIntervalWithoutBeingAsked) {
  TempDir dir;
  auto store = open_store(dir.file("s.db"), 50);
  store.ledger->append(row("r1", "", 1));
  for (int i = 0; i < 100 && store.ledger->usage({})->total.requests == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(store.ledger->usage({})->total.requests, 1);
}

// Scheduling policy of this process's thread named `name`, or -1.
int policy_of_thread(const std::string& name) {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int policy = -1;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream comm(std::string("/proc/self/task/") + e->d_name + "/comm");
    std::string comm_name;
    std::getline(comm, comm_name);
    if (comm_name == name) policy = sched_getscheduler(std::atoi(e->d_name));
  }
  closedir(dir);
  return policy;
}

TEST(SqliteLedger, RoutineWriterRunsAtIdlePriorityTheCatchUpWriterDoesNot) {
  TempDir dir;
  auto store = open_store(dir.file("s.db"));
  // The threads name themselves (and the idle one lowers its priority) once started.
  for (int i = 0; i < 200 && (policy_of_thread("sy-ledger-idle") != SCHED_IDLE ||
                              policy_of_thread("sy-ledger") == -1);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(policy_of_thread("sy-ledger-idle"), SCHED_IDLE);
  EXPECT_EQ(policy_of_thread("sy-ledger"), SCHED_OTHER);
}

// The routine writer waits for its interval or batch_rows; a longer queue is
// the catch-up writer's to commit, without anyone calling flush().
TEST(SqliteLedger, CatchUpWriterCommitsOnceEscalateRowsWait) {
  TempDir dir;
  LedgerOptions ledger;
  ledger.batch_rows = 1000;  // more than are appended: the routine writer sleeps
  ledger.escalate_rows = 200;
  auto store = open_store(dir.file("s.db"), 60'000, ledger);
  // Exactly escalate_rows: the catch-up writer is woken by the last append, so
  // its drain takes all of them. (Rows appended while a drain runs wait for
  // the next one, up to a flush interval: a minute here.)
  for (int i = 0; i < 200; ++i) store.ledger->append(row("r" + std::to_string(i), "", 1, i));
  int64_t committed = 0;
  for (int i = 0; i < 300 && committed < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    committed = store.ledger->usage({})->total.requests;
  }
  EXPECT_EQ(committed, 200);
}

// One core, a normal-priority thread spinning on it: the idle-priority writer
// gets (almost) no CPU, so the catch-up writer must commit the rows within
// about two flush intervals, in order.
TEST(SqliteLedger, StarvedRoutineWriterIsCaughtUpWithinTwoIntervals) {
  constexpr int kFlushMs = 100;
  TempDir dir;
  sy::testing::OneBusyCore busy;  // before the store: its writers inherit the one core
  auto store = open_store(dir.file("s.db"), kFlushMs);
  for (int i = 0; i < 20; ++i) store.ledger->append(row("r" + std::to_string(i), "", 1, i));
  const auto start = std::chrono::steady_clock::now();
  int64_t committed = 0;
  while (committed < 20 && std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    committed = store.ledger->usage({})->total.requests;
  }
  EXPECT_EQ(committed, 20);
  // Two intervals plus slack for the test thread's own polling on one core.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2 * kFlushMs + 800));
}

// A child process appends rows continuously and is SIGKILLed; the store must
// reopen cleanly with every row up to at most the last flush interval.
TEST(SqliteLedger, SigkillLosesAtMostTheLastInterval) {
  TempDir dir;
  const std::string path = dir.file("crash.db");
  constexpr int kFlushMs = 100;
  { auto s = open_store(path); }  // create the schema before forking
  auto* appended = static_cast<std::atomic<int64_t>*>(mmap(nullptr, sizeof(std::atomic<int64_t>),
                                                           PROT_READ | PROT_WRITE,
                                                           MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(appended, MAP_FAILED);
  new (appended) std::atomic<int64_t>(0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    SqliteOptions options;
    options.path = path;
    options.ledger.flush_interval = std::chrono::milliseconds(kFlushMs);
    auto store = open_sqlite_store(options);
    if (!store) _exit(3);
    for (int64_t i = 0;; ++i) {
      (*store).ledger->append(row("r" + std::to_string(i), "", 1, i));
      appended->store(i + 1);
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  const int64_t total = appended->load();
  munmap(appended, sizeof(std::atomic<int64_t>));

  auto store = open_store(path);
  const UsageReport report = *store.ledger->usage({});
  auto db = Db::open(path, false);
  Stmt check(**db, "PRAGMA integrity_check");
  ASSERT_EQ(check.step(), SQLITE_ROW);
  EXPECT_EQ(check.text(0), "ok");
  Stmt max_time(**db, "SELECT COALESCE(MAX(time_ms), -1) FROM ledger");
  ASSERT_EQ(max_time.step(), SQLITE_ROW);
  // Committed rows are a prefix of what was appended (batches are atomic) ...
  EXPECT_EQ(max_time.int64(0) + 1, report.total.requests);
  EXPECT_GT(report.total.requests, 0);
  // ... missing at most what one interval (plus one in-progress batch) held:
  // at ~2 rows/ms that is 2 * kFlushMs * 2 rows with slack for a busy machine.
  const int64_t missing = total - report.total.requests;
  EXPECT_GE(missing, 0);
  EXPECT_LE(missing, 4 * kFlushMs) << "appended " << total;
}

}  // namespace
}  // namespace sy::store::sqlite
