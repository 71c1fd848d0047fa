// Redis backend against a real private redis-server (see private_servers.h).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "../postgres/private_servers.h"
#include "store/redis/counters.h"
#include "store/redis/notices.h"
#include "store/redis/scripts.h"

namespace sy::store::redis {
namespace {

using sy::testing::PrivateRedis;
using Clock = std::chrono::steady_clock;
using Outcome = Admission::Outcome;

constexpr int64_t kNow = 1'700'000'000'000;

class RedisTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok()) << server_.error();
    ASSERT_TRUE(server_.start()) << server_.error();
  }
  RedisCountersOptions options(FailureMode mode = FailureMode::kOpen) {
    RedisCountersOptions o;
    o.redis.url = server_.url();
    o.redis.connect_timeout = std::chrono::milliseconds(200);
    o.redis.command_timeout = std::chrono::milliseconds(200);
    o.on_failure = mode;
    o.replicas = 2;
    return o;
  }
  PrivateRedis server_;
};

AdmitRequest request(std::string key, int64_t now = kNow) {
  AdmitRequest r;
  r.key_id = std::move(key);
  r.now_ms = now;
  r.estimated_tokens = 10;
  return r;
}

TEST(RedisUrl, Parses) {
  auto e = parse_redis_url("redis://:s3cret@cache.internal:6390/2");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "cache.internal");
  EXPECT_EQ(e->port, 6390);
  EXPECT_EQ(e->db, 2);
  EXPECT_EQ(e->password, "s3cret");
  auto d = parse_redis_url("redis://localhost");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->port, 6379);
  EXPECT_FALSE(parse_redis_url("http://x"));
  EXPECT_FALSE(parse_redis_url("redis://h:99999/0"));
}

TEST_F(RedisTest, GlobalRequestsPerMinuteIsExactAcrossTwoReplicas) {
  RedisCounters a_async(options()), b_async(options());
  BlockingRedisCounters a(a_async), b(b_async);
  constexpr int kLimit = 100;
  std::atomic<int> admitted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Counters &c = t % 2 == 0 ? static_cast<Counters &>(a) : b;
      for (int i = 0; i < 40; ++i) {
        AdmitRequest r = request("key_rpm");
        r.limits.rpm = kLimit;
        const Admission adm = c.admit(r);
        if (adm.outcome == Outcome::kAdmitted) {
          ++admitted;
          EXPECT_EQ(adm.requests.limit, kLimit);
        } else {
          EXPECT_EQ(adm.outcome, Outcome::kRequestsExceeded);
          EXPECT_GT(adm.retry_after_ms, 0);
          ++refused;
        }
      }
    });
  }
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(admitted.load(), kLimit);
  EXPECT_EQ(refused.load(), 8 * 40 - kLimit);
  EXPECT_EQ(a_async.redis_failures() + b_async.redis_failures(), 0u);
  // One minute later the bucket is full again.
  AdmitRequest later = request("key_rpm", kNow + 60'000);
  later.limits.rpm = kLimit;
  EXPECT_EQ(a.admit(later).outcome, Outcome::kAdmitted);
}

TEST_F(RedisTest, ParallelReservationsNeverOverspendAcrossReplicas) {
  RedisCounters a_async(options()), b_async(options());
  BlockingRedisCounters a(a_async), b(b_async);
  constexpr Micros kCost = 1000;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 10; ++t) {
    threads.emplace_back([&, t] {
      Counters &c = t % 2 == 0 ? static_cast<Counters &>(a) : b;
      for (int i = 0; i < 20; ++i) {
        AdmitRequest r = request("key_bal");
        r.seed.credits = 50 * kCost; // the balance covers 50 requests
        r.limits.budget = 1'000'000;
        r.worst_case_cost = kCost;
        const Admission adm = c.admit(r);
        if (adm.outcome != Outcome::kAdmitted) {
          EXPECT_EQ(adm.outcome, Outcome::kCreditsExceeded);
          continue;
        }
        ++admitted;
        // Settle at the actual cost (here the worst case).
        EXPECT_TRUE(c.settle(adm.reservation, {kCost, 10, kNow}));
        EXPECT_FALSE(
            c.settle(adm.reservation, {kCost, 10, kNow})); // idempotent
      }
    });
  }
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(admitted.load(), 50);
  const LiveBalance bal = a.balance("key_bal", kNow);
  ASSERT_TRUE(bal.known);
  EXPECT_EQ(bal.credits, 0);
  EXPECT_EQ(bal.spent, 50 * kCost);
  EXPECT_EQ(bal.reserved, 0);
  EXPECT_EQ(bal.in_flight, 0);
}

TEST_F(RedisTest, CrashedReplicasReservationExpiresAndReturnsToTheBalance) {
  RedisCountersOptions o = options();
  o.reservation_ttl = std::chrono::milliseconds(30'000);
  auto crashing = std::make_unique<RedisCounters>(o);
  RedisCounters survivor_async(o);
  BlockingRedisCounters survivor(survivor_async);
  {
    BlockingRedisCounters c(*crashing);
    AdmitRequest r = request("key_crash");
    r.seed.credits = 1000;
    r.worst_case_cost = 1000;
    ASSERT_EQ(c.admit(r).outcome, Outcome::kAdmitted);
  }
  crashing.reset(); // never settles
  AdmitRequest r = request("key_crash", kNow + 1000);
  r.worst_case_cost = 1000;
  EXPECT_EQ(survivor.admit(r).outcome, Outcome::kCreditsExceeded);
  r.now_ms = kNow + 31'000; // past the reservation's expiry
  const Admission adm = survivor.admit(r);
  ASSERT_EQ(adm.outcome, Outcome::kAdmitted);
  EXPECT_EQ(survivor.balance("key_crash", kNow + 31'000).reserved, 1000);
  EXPECT_TRUE(survivor.release(adm.reservation));
  EXPECT_EQ(survivor.balance("key_crash", kNow + 31'000).credits, 1000);
}

TEST_F(RedisTest, TokensParallelBudgetAndTopUp) {
  RedisCounters async(options());
  BlockingRedisCounters c(async);
  AdmitRequest r = request("key_mix");
  r.limits.tpm = 100;
  r.limits.max_parallel = 1;
  r.estimated_tokens = 60;
  const Admission first = c.admit(r);
  ASSERT_EQ(first.outcome, Outcome::kAdmitted);
  EXPECT_EQ(first.tokens.remaining, 40);
  r.estimated_tokens = 10;
  EXPECT_EQ(c.admit(r).outcome, Outcome::kParallelExceeded);
  EXPECT_TRUE(
      c.settle(first.reservation, {0, 20, kNow})); // 40 unused tokens return
  r.estimated_tokens = 80;
  EXPECT_EQ(c.admit(r).outcome, Outcome::kAdmitted);
  r.estimated_tokens = 101;
  EXPECT_EQ(c.admit(r).outcome, Outcome::kTokensExceeded);

  AdmitRequest b = request("key_budget");
  b.limits.budget = 500;
  b.limits.budget_period = BudgetPeriod::kDaily;
  b.seed.spent = 400;
  b.seed.period_start_ms = period_start_ms(BudgetPeriod::kDaily, kNow);
  b.worst_case_cost = 200;
  const Admission refused = c.admit(b);
  EXPECT_EQ(refused.outcome, Outcome::kBudgetExceeded);
  EXPECT_GT(refused.retry_after_ms, 0);
  b.now_ms = kNow + 86'400'000; // next day: the budget resets
  EXPECT_EQ(c.admit(b).outcome, Outcome::kAdmitted);

  AdmitRequest p = request("key_prepaid");
  p.seed.credits = 100;
  p.worst_case_cost = 150;
  EXPECT_EQ(c.admit(p).outcome, Outcome::kCreditsExceeded);
  c.add_credits("key_prepaid", 100, {0, 0, 200});
  EXPECT_EQ(c.admit(p).outcome, Outcome::kAdmitted);
}

TEST_F(RedisTest, AsyncAdmitOnAnEventLoop) {
  RedisCounters counters(options());
  boost::asio::io_context io;
  Admission result;
  bool settled = false;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        AdmitRequest r = request("key_async");
        r.limits.rpm = 5;
        result = co_await counters.admit(r);
        settled = co_await counters.settle(result.reservation, {0, 0, kNow});
      },
      boost::asio::detached);
  io.run();
  EXPECT_EQ(result.outcome, Outcome::kAdmitted);
  EXPECT_EQ(result.requests.remaining, 4);
  EXPECT_TRUE(settled);
}

TEST_F(RedisTest, RevocationReachesTheOtherReplicaWithinOneSecond) {
  RedisOptions o = options().redis;
  std::atomic<bool> got{false};
  std::string subject;
  RedisNotices replica_b(o, "sy:notices", [&](const Notice &n) {
    if (n.kind == "revoke") {
      subject = n.subject;
      got = true;
    }
  });
  RedisNotices replica_a(o, "sy:notices", [](const Notice &) {});
  const auto wait_until = Clock::now() + std::chrono::seconds(5);
  while (!(replica_a.subscribed() && replica_b.subscribed()) &&
         Clock::now() < wait_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(replica_b.subscribed());
  const auto t0 = Clock::now();
  ASSERT_TRUE(replica_a.publish({"revoke", "key_42"}));
  while (!got && Clock::now() - t0 < std::chrono::seconds(1)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(got.load());
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(1));
  EXPECT_EQ(subject, "key_42");
}

// Calls admit on `c` repeatedly while Redis is down; each call must return
// within `bound`. Returns the outcomes.
std::vector<Admission> admit_while_down(BlockingRedisCounters &c, int n,
                                        int64_t rpm,
                                        std::chrono::milliseconds bound) {
  std::vector<Admission> out;
  for (int i = 0; i < n; ++i) {
    AdmitRequest r = request("key_down");
    r.limits.rpm = rpm;
    const auto t0 = Clock::now();
    out.push_back(c.admit(r));
    EXPECT_LT(Clock::now() - t0, bound) << "admission " << i << " hung";
  }
  return out;
}

TEST_F(RedisTest, RedisDownWithOpenFallsBackToThisReplicasShare) {
  RedisCounters async(options(FailureMode::kOpen));
  BlockingRedisCounters c(async);
  AdmitRequest warm = request("key_warm");
  ASSERT_EQ(c.admit(warm).outcome, Outcome::kAdmitted);
  server_.kill();
  // rpm 20 across 2 replicas: this replica admits its share of 10.
  auto outcomes = admit_while_down(c, 15, 20, std::chrono::milliseconds(1000));
  int admitted = 0;
  for (const auto &a : outcomes) {
    if (a.outcome == Outcome::kAdmitted) {
      ++admitted;
      EXPECT_FALSE(RedisCounters::is_redis_reservation(a.reservation.id));
    }
  }
  EXPECT_EQ(admitted, 10);
  EXPECT_GT(async.redis_failures(), 0u);
  EXPECT_EQ(async.local_admissions(), 15u);
  // Local reservations settle locally.
  EXPECT_TRUE(c.release(outcomes[0].reservation));
  // Redis comes back: admissions go to it again (after the reconnect backoff).
  ASSERT_TRUE(server_.start()) << server_.error();
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    back = RedisCounters::is_redis_reservation(
        c.admit(request("key_back")).reservation.id);
    if (!back)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(back);
}

TEST_F(RedisTest, RedisDownWithClosedRefusesWithoutHanging) {
  RedisCounters async(options(FailureMode::kClosed));
  BlockingRedisCounters c(async);
  ASSERT_EQ(c.admit(request("key_warm")).outcome, Outcome::kAdmitted);
  server_.kill();
  auto outcomes = admit_while_down(c, 10, 0, std::chrono::milliseconds(1000));
  for (const auto &a : outcomes) {
    EXPECT_EQ(a.outcome, kUnavailableOutcome);
    EXPECT_EQ(a.reservation.id, 0u);
    EXPECT_EQ(a.retry_after_ms, 1000);
  }
  EXPECT_EQ(async.refused_unavailable(), 10u);
  EXPECT_EQ(async.local_admissions(), 0u);
}

TEST_F(RedisTest, HungRedisTimesOutInsteadOfHanging) {
  RedisCounters async(options(FailureMode::kClosed));
  BlockingRedisCounters c(async);
  ASSERT_EQ(c.admit(request("key_warm")).outcome, Outcome::kAdmitted);
  server_.pause();
  auto outcomes = admit_while_down(c, 3, 0, std::chrono::milliseconds(1000));
  for (const auto &a : outcomes)
    EXPECT_EQ(a.outcome, kUnavailableOutcome);
  server_.resume();
}

// Runs `commands` on a fresh connection of its own (as an operator would with
// redis-cli); returns the replies, empty on failure.
Replies redis_cli(const PrivateRedis &server, const std::vector<Command> &commands,
                  const std::string &password = "") {
  RedisEndpoint e;
  e.port = server.port();
  e.password = password;
  RedisOptions o;
  o.connect_timeout = std::chrono::milliseconds(1000);
  o.command_timeout = std::chrono::milliseconds(1000);
  std::string error;
  redisContext *c = connect_context(e, o, error);
  if (c == nullptr)
    return {};
  Replies out;
  for (const auto &cmd : commands) {
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    for (const auto &a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto *r = static_cast<redisReply *>(redisCommandArgv(
        c, static_cast<int>(argv.size()), argv.data(), lens.data()));
    if (r == nullptr)
      break;
    out.push_back(convert_reply(r));
    freeReplyObject(r);
  }
  redisFree(c);
  return out;
}

// A network partition that keeps Redis's data: every client is disconnected
// and cannot authenticate again until heal().
constexpr const char *kPartitionPassword = "partitioned-for-the-test";
void partition(const PrivateRedis &server) {
  ASSERT_EQ(redis_cli(server, {{"CONFIG", "SET", "requirepass", kPartitionPassword},
                               {"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}})
                .size(),
            2u);
}
void heal(const PrivateRedis &server) {
  ASSERT_EQ(redis_cli(server, {{"CONFIG", "SET", "requirepass", ""}}, kPartitionPassword).size(),
            1u);
}

template <class Pred> bool eventually(Pred pred, std::chrono::milliseconds limit) {
  const auto until = Clock::now() + limit;
  while (!pred()) {
    if (Clock::now() > until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

constexpr Micros kCost = 1000;

AdmitRequest priced(std::string key, Micros credits_in_key_table) {
  AdmitRequest r = request(std::move(key));
  r.seed.credits = credits_in_key_table;
  r.worst_case_cost = kCost;
  return r;
}

// Admits `n` requests and settles each admitted one at kCost; returns how
// many were admitted and checks they all came from `expect_redis`.
int admit_and_settle(BlockingRedisCounters &c, const AdmitRequest &r, int n, bool expect_redis) {
  int admitted = 0;
  for (int i = 0; i < n; ++i) {
    const Admission a = c.admit(r);
    if (a.outcome != Outcome::kAdmitted)
      continue;
    ++admitted;
    EXPECT_EQ(RedisCounters::is_redis_reservation(a.reservation.id), expect_redis);
    EXPECT_TRUE(c.settle(a.reservation, {kCost, 10, r.now_ms}));
  }
  return admitted;
}

// Waits until `c` admits through Redis again (its connection is back).
bool reconnected(BlockingRedisCounters &c) {
  return eventually(
      [&] {
        const Admission a = c.admit(request("key_probe"));
        c.release(a.reservation);
        return RedisCounters::is_redis_reservation(a.reservation.id);
      },
      std::chrono::milliseconds(5000));
}

TEST_F(RedisTest, FallbackSpendIsReconciledBeforeTheKeysNextAdmission) {
  RedisCountersOptions o = options(FailureMode::kOpen);
  o.reconcile_interval = std::chrono::hours(1); // only the admit pipeline replays
  RedisCounters async(o);
  BlockingRedisCounters c(async);
  // Credits for 10; 2 spent through Redis.
  EXPECT_EQ(admit_and_settle(c, priced("key_part", 10 * kCost), 2, true), 2);
  partition(server_);
  // The key table now says 8 are left: this replica's share is 4.
  EXPECT_EQ(admit_and_settle(c, priced("key_part", 8 * kCost), 8, false), 4);
  EXPECT_EQ(async.journal_size(), 4u);
  heal(server_);
  ASSERT_TRUE(reconnected(c));
  EXPECT_EQ(async.journal_size(), 4u) << "nothing replayed yet";
  // The 4 charges reach Redis in the same pipeline as the next admission:
  // Redis's balance held 8, so only 4 more are admitted.
  EXPECT_EQ(admit_and_settle(c, priced("key_part", 8 * kCost), 8, true), 4);
  EXPECT_EQ(async.journal_size(), 0u);
  const LiveBalance b = c.balance("key_part", kNow);
  EXPECT_EQ(b.credits, 0);
  EXPECT_EQ(b.spent, 10 * kCost);
  EXPECT_EQ(b.reserved, 0);
}

TEST_F(RedisTest, ReconcilerReplaysFallbackSpendForOtherReplicasWithoutTraffic) {
  RedisCounters async(options(FailureMode::kOpen));
  BlockingRedisCounters c(async);
  EXPECT_EQ(admit_and_settle(c, priced("key_bg", 10 * kCost), 2, true), 2);
  partition(server_);
  EXPECT_EQ(admit_and_settle(c, priced("key_bg", 8 * kCost), 8, false), 4);
  heal(server_);
  // No further request on this replica: the reconciler replays on its own,
  // so another replica sees the charges.
  ASSERT_TRUE(eventually([&] { return async.journal_size() == 0; },
                         std::chrono::milliseconds(5000)));
  RedisCounters other_async(options(FailureMode::kClosed));
  BlockingRedisCounters other(other_async);
  const LiveBalance b = other.balance("key_bg", kNow);
  ASSERT_TRUE(b.known);
  EXPECT_EQ(b.credits, 4 * kCost);
  EXPECT_EQ(b.spent, 6 * kCost);
  EXPECT_EQ(admit_and_settle(other, priced("key_bg", 8 * kCost), 8, true), 4);
}

TEST_F(RedisTest, ReconcileScriptAppliesEachChargeOnce) {
  RedisClient client(options().redis);
  const std::string sha = client.register_script(kReconcileScript);
  ASSERT_TRUE(client.call({{"HSET", "sy:{k1}:bal", "seeded", "1", "period_start", "0", "spent",
                            "100", "credits", "5000"}}));
  const Command replay = {"EVALSHA", sha,  "2",   "sy:{k1}:bal", "sy:{k1}:rec", "1000",
                          "60000",   "a:1", "300", "10",          "a:2",         "200",
                          "20"};
  auto first = client.call({replay});
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)[0].integer, 2);
  auto again = client.call({replay}); // a replay whose reply was lost
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)[0].integer, 0);
  auto bal = client.call({{"HMGET", "sy:{k1}:bal", "spent", "credits"}});
  ASSERT_TRUE(bal);
  EXPECT_EQ((*bal)[0].elements[0].str, "600");
  EXPECT_EQ((*bal)[0].elements[1].str, "4500");
  // A balance Redis does not know (it lost its data) is left to the next
  // admission's seed from the durable store.
  auto unseeded = client.call(
      {{"EVALSHA", sha, "2", "sy:{k2}:bal", "sy:{k2}:rec", "1000", "60000", "b:1", "300", "10"},
       {"EXISTS", "sy:{k2}:bal"}});
  ASSERT_TRUE(unseeded);
  EXPECT_EQ((*unseeded)[1].integer, 0);
}

TEST_F(RedisTest, FullJournalTurnsTheFallbackClosed) {
  RedisCountersOptions o = options(FailureMode::kOpen);
  o.journal_capacity = 2;
  RedisCounters async(o);
  BlockingRedisCounters c(async);
  ASSERT_EQ(c.admit(request("key_warm")).outcome, Outcome::kAdmitted);
  server_.kill();
  const AdmitRequest r = priced("key_full", 100 * kCost);
  const Admission a1 = c.admit(r);
  const Admission a2 = c.admit(r);
  ASSERT_EQ(a1.outcome, Outcome::kAdmitted);
  ASSERT_EQ(a2.outcome, Outcome::kAdmitted);
  // No room left for a third charge: refused as in closed mode.
  EXPECT_EQ(c.admit(r).outcome, kUnavailableOutcome);
  // A release frees its slot; a settled charge keeps it until Redis has it.
  EXPECT_TRUE(c.release(a1.reservation));
  const Admission a3 = c.admit(r);
  ASSERT_EQ(a3.outcome, Outcome::kAdmitted);
  EXPECT_TRUE(c.settle(a2.reservation, {kCost, 10, kNow}));
  EXPECT_TRUE(c.settle(a3.reservation, {kCost, 10, kNow}));
  EXPECT_EQ(async.journal_size(), 2u);
  EXPECT_EQ(c.admit(r).outcome, kUnavailableOutcome);
}

TEST_F(RedisTest, FailedSettleOfARedisReservationIsRetried) {
  RedisCounters async(options(FailureMode::kOpen));
  BlockingRedisCounters c(async);
  const Admission a = c.admit(priced("key_retry", 10 * kCost));
  ASSERT_EQ(a.outcome, Outcome::kAdmitted);
  ASSERT_TRUE(RedisCounters::is_redis_reservation(a.reservation.id));
  partition(server_);
  EXPECT_FALSE(c.settle(a.reservation, {kCost, 10, kNow}));
  EXPECT_EQ(async.journal_size(), 1u);
  heal(server_);
  ASSERT_TRUE(eventually([&] { return async.journal_size() == 0; },
                         std::chrono::milliseconds(5000)));
  const LiveBalance b = c.balance("key_retry", kNow);
  EXPECT_EQ(b.reserved, 0);
  EXPECT_EQ(b.in_flight, 0);
  EXPECT_EQ(b.credits, 9 * kCost);
}

TEST_F(RedisTest, AdmitScriptRefusesPastItsDeadline) {
  RedisClient client(options().redis);
  const std::string sha = client.register_script(kAdmitScript);
  auto admit = [&](std::string deadline) {
    return Command{"EVALSHA", sha, "4", "sy:{kd}:bal", "sy:{kd}:rl", "sy:{kd}:res",
                   "sy:{kd}:held", std::to_string(kNow), "0", "0", "0", "-1", "never", "0",
                   "0", "0", "0", "5000", "10", "1000", "42", std::to_string(kNow + 60'000),
                   std::move(deadline)};
  };
  auto late = client.call({admit("1"), {"EXISTS", "sy:{kd}:bal"}});
  ASSERT_TRUE(late);
  EXPECT_EQ((*late)[0].elements.at(0).integer, -1);
  EXPECT_EQ((*late)[1].integer, 0) << "a late admission changes nothing";
  auto in_time = client.call({admit(std::string(kReplyDeadlineArg)), {"ZCARD", "sy:{kd}:res"}});
  ASSERT_TRUE(in_time);
  EXPECT_EQ((*in_time)[0].elements.at(0).integer, 0);
  EXPECT_EQ((*in_time)[1].integer, 1);
}

TEST_F(RedisTest, HungRedisThatResumesLeavesNoReservationBehind) {
  RedisCounters async(options(FailureMode::kClosed));
  BlockingRedisCounters c(async);
  const AdmitRequest r = priced("key_hung", 10 * kCost);
  const Admission warm = c.admit(r);
  ASSERT_EQ(warm.outcome, Outcome::kAdmitted);
  ASSERT_TRUE(c.release(warm.reservation));
  server_.pause();
  // The first is written to the open connection and times out; Redis runs
  // it when it resumes.
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(c.admit(r).outcome, kUnavailableOutcome);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server_.resume();
  ASSERT_TRUE(eventually([&] { return c.admit(request("key_probe")).outcome == Outcome::kAdmitted; },
                         std::chrono::milliseconds(5000)));
  const LiveBalance b = c.balance("key_hung", kNow);
  EXPECT_EQ(b.reserved, 0) << "a timed-out admission took effect late";
  EXPECT_EQ(b.in_flight, 0);
  EXPECT_EQ(admit_and_settle(c, r, 11, true), 10);
}

} // namespace
} // namespace sy::store::redis
