#include "store/redis/counters.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <future>
#include <random>

#include "store/redis/scripts.h"

namespace sy::store::redis {
namespace {

namespace asio = boost::asio;

// Start of the period after the one containing `now` (0 for kNever).
int64_t next_period_start(BudgetPeriod period, int64_t now_ms) {
  if (period == BudgetPeriod::kNever)
    return 0;
  const int64_t current = period_start_ms(period, now_ms);
  int64_t probe = current;
  while (period_start_ms(period, probe) <= current)
    probe += 86'400'000;
  return period_start_ms(period, probe);
}

// Runs `start(callback)` and suspends the coroutine until the callback fires
// (on any thread); resumes on the coroutine's own executor.
template <class T, class Start> asio::awaitable<T> await_callback(Start start) {
  return asio::async_initiate<const asio::use_awaitable_t<>, void(T)>(
      [start = std::move(start)](auto handler) mutable {
        auto executor = asio::prefer(asio::get_associated_executor(handler),
                                     asio::execution::outstanding_work.tracked);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        start([shared, executor](T value) {
          asio::post(executor, [shared, value = std::move(value)]() mutable {
            std::move (*shared)(std::move(value));
          });
        });
      },
      asio::use_awaitable);
}

std::string num(int64_t v) { return std::to_string(v); }

// Charges per reconcile command: bounds one script's run time and argv.
constexpr size_t kChargesPerCommand = 100;
// Entries the background reconciler sends per round.
constexpr size_t kEntriesPerRound = 2000;
// How long Redis remembers a reconciled charge id (so a replay whose reply
// was lost is not applied twice).
constexpr int64_t kReconciledKeepMs = 24 * 3600 * 1000;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace

FailureMode parse_failure_mode(std::string_view s, FailureMode fallback) {
  if (s == "open")
    return FailureMode::kOpen;
  if (s == "closed")
    return FailureMode::kClosed;
  return fallback;
}

RedisCounters::RedisCounters(RedisCountersOptions options)
    : options_(std::move(options)), client_(options_.redis),
      journal_(std::max<size_t>(options_.journal_capacity, 1)) {
  admit_sha_ = client_.register_script(kAdmitScript);
  finish_sha_ = client_.register_script(kFinishScript);
  credits_sha_ = client_.register_script(kAddCreditsScript);
  reconcile_sha_ = client_.register_script(kReconcileScript);
  std::random_device rd;
  instance_bits_ =
      (uint64_t{1} << 63) | (static_cast<uint64_t>(rd() & 0x7FFFFFFF) << 32);
  journal_prefix_ = fmt::format("{:08x}{:08x}:", rd(), rd());
  reconciler_ = std::thread([this] { reconcile_loop(); });
}

RedisCounters::~RedisCounters() {
  {
    std::lock_guard lock(reconcile_mutex_);
    stopping_ = true;
  }
  reconcile_wake_.notify_one();
  reconciler_.join();
}

RedisCounters::Keys RedisCounters::keys_for(std::string_view key_id) const {
  const std::string base = options_.prefix + "{" + std::string(key_id) + "}:";
  return {base + "bal", base + "rl", base + "res", base + "held", base + "rec"};
}

uint64_t RedisCounters::next_reservation_id() {
  return instance_bits_ |
         (counter_.fetch_add(1, std::memory_order_relaxed) + 1u);
}

AdmitRequest RedisCounters::local_share(const AdmitRequest &request) const {
  const int64_t n = std::max(1, options_.replicas);
  auto share = [n](int64_t v) {
    return v > 0 ? std::max<int64_t>(1, v / n) : 0;
  };
  AdmitRequest r = request;
  r.limits.rpm = share(request.limits.rpm);
  r.limits.tpm = share(request.limits.tpm);
  r.limits.max_parallel = share(request.limits.max_parallel);
  if (request.limits.budget) {
    const Micros left =
        std::max<Micros>(0, *request.limits.budget - request.seed.spent);
    r.limits.budget = request.seed.spent + left / n;
  }
  if (request.seed.credits)
    r.seed.credits = std::max<Micros>(0, *request.seed.credits) / n;
  return r;
}

Admission RedisCounters::on_redis_failure(const AdmitRequest &request) {
  failures_.fetch_add(1, std::memory_order_relaxed);
  if (options_.on_failure == FailureMode::kClosed) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    Admission a;
    a.outcome = kUnavailableOutcome;
    a.retry_after_ms = 1000;
    return a;
  }
  if (!journal_.try_hold()) {
    // Spend admitted now could never be reconciled: refuse as kClosed does.
    refused_.fetch_add(1, std::memory_order_relaxed);
    Admission a;
    a.outcome = kUnavailableOutcome;
    a.retry_after_ms = 1000;
    return a;
  }
  local_admissions_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(fallback_mutex_);
    fallback_keys_.insert(request.key_id);
    any_fallback_keys_.store(true, std::memory_order_relaxed);
  }
  Admission a = local_.admit(local_share(request));
  if (a.outcome != Admission::Outcome::kAdmitted)
    journal_.drop_hold();
  return a;
}

void RedisCounters::redis_answered(const std::string &key_id) {
  if (!any_fallback_keys_.load(std::memory_order_relaxed))
    return;
  bool forget = false;
  {
    std::lock_guard lock(fallback_mutex_);
    forget = fallback_keys_.erase(key_id) > 0;
    any_fallback_keys_.store(!fallback_keys_.empty(), std::memory_order_relaxed);
  }
  // Live local reservations survive; the next outage re-seeds the balance
  // from the key table instead of this outage's leftovers.
  if (forget)
    local_.forget_balance(key_id);
}

void RedisCounters::add_replay(Replay &replay,
                               const std::vector<JournalEntry> &entries,
                               bool debits_only) const {
  const std::string now = num(wall_ms());
  const std::string keep = num(kReconciledKeepMs);
  // Debits of one key in chunks; entries come grouped by key.
  size_t i = 0;
  while (i < entries.size()) {
    const JournalEntry &first = entries[i];
    if (first.kind == JournalEntry::Kind::kFinish) {
      if (!debits_only) {
        Reservation r{static_cast<uint64_t>(std::strtoull(first.id.c_str(), nullptr, 10)),
                      first.key_id};
        Settlement st{first.cost, first.tokens, first.at_ms};
        replay.commands.push_back(finish_command(r, first.settle ? &st : nullptr));
        replay.ids.push_back({first.id});
        replay.key_ids.push_back(first.key_id);
      }
      ++i;
      continue;
    }
    const Keys k = keys_for(first.key_id);
    Command cmd = {"EVALSHA", reconcile_sha_, "2", k.bal, k.rec, now, keep};
    std::vector<std::string> ids;
    while (i < entries.size() && ids.size() < kChargesPerCommand &&
           entries[i].kind == JournalEntry::Kind::kDebit &&
           entries[i].key_id == first.key_id) {
      cmd.push_back(entries[i].id);
      cmd.push_back(num(entries[i].cost));
      cmd.push_back(num(entries[i].at_ms));
      ids.push_back(entries[i].id);
      ++i;
    }
    replay.commands.push_back(std::move(cmd));
    replay.ids.push_back(std::move(ids));
    replay.key_ids.push_back(first.key_id);
  }
}

void RedisCounters::confirm_replay(const Replay &replay, const Replies &replies,
                                   size_t first) {
  for (size_t c = 0; c < replay.commands.size(); ++c) {
    const size_t at = first + c;
    if (at < replies.size() &&
        replies[at].type == RedisReply::Type::kInteger) {
      journal_.confirm(replay.key_ids[c], replay.ids[c]);
    }
  }
}

void RedisCounters::reconcile_loop() {
  std::unique_lock lock(reconcile_mutex_);
  while (!stopping_) {
    reconcile_wake_.wait_for(lock, options_.reconcile_interval);
    if (stopping_)
      break;
    if (journal_.size() == 0)
      continue;
    lock.unlock();
    Replay replay;
    add_replay(replay, journal_.pending(kEntriesPerRound), false);
    if (replay.commands.empty()) {
      lock.lock();
      continue;
    }
    auto replies = client_.call(replay.commands);
    if (replies)
      confirm_replay(replay, *replies, 0);
    lock.lock();
  }
}

void RedisCounters::admit_async(AdmitRequest request,
                                std::function<void(Admission)> done) {
  const Keys k = keys_for(request.key_id);
  const KeyLimits &l = request.limits;
  const uint64_t id = next_reservation_id();
  Command cmd = {"EVALSHA",
                 admit_sha_,
                 "4",
                 k.bal,
                 k.rl,
                 k.res,
                 k.held,
                 num(request.now_ms),
                 num(std::max<int64_t>(l.rpm, 0)),
                 num(std::max<int64_t>(l.tpm, 0)),
                 num(std::max<int64_t>(l.max_parallel, 0)),
                 num(l.budget ? *l.budget : -1),
                 std::string(period_name(l.budget_period)),
                 num(period_start_ms(l.budget_period, request.now_ms)),
                 num(next_period_start(l.budget_period, request.now_ms)),
                 num(request.seed.period_start_ms),
                 num(request.seed.spent),
                 num(request.seed.credits
                         ? std::max<Micros>(*request.seed.credits, 0)
                         : -1),
                 num(std::max<int64_t>(request.estimated_tokens, 0)),
                 num(std::max<Micros>(request.worst_case_cost, 0)),
                 num(static_cast<int64_t>(id)),
                 num(request.now_ms + options_.reservation_ttl.count()),
                 std::string(kReplyDeadlineArg)};
  // What this replica still owes the key's balance goes first, in the same
  // pipeline: the admission then sees it.
  auto replay = std::make_shared<Replay>();
  add_replay(*replay, journal_.pending_for(request.key_id), true);
  std::vector<Command> commands = replay->commands;
  commands.push_back(std::move(cmd));
  auto shared_request = std::make_shared<AdmitRequest>(std::move(request));
  auto on_reply = [this, shared_request, replay, id,
                   done](Expected<Replies, StoreError> r) {
    const size_t n = replay->commands.size();
    if (r && r->size() == n + 1)
      confirm_replay(*replay, *r, 0);
    if (!r || r->size() != n + 1 || (*r)[n].type != RedisReply::Type::kArray ||
        (*r)[n].elements.size() != 8) {
      done(on_redis_failure(*shared_request));
      return;
    }
    const auto &e = (*r)[n].elements;
    if (e[0].integer < 0) {
      // Redis ran it after the deadline (it was hung); it changed nothing.
      late_.fetch_add(1, std::memory_order_relaxed);
      done(on_redis_failure(*shared_request));
      return;
    }
    redis_answered(shared_request->key_id);
    Admission a;
    a.outcome = static_cast<Admission::Outcome>(e[0].integer);
    a.requests = {e[1].integer, e[2].integer, e[3].integer};
    a.tokens = {e[4].integer, e[5].integer, e[6].integer};
    a.retry_after_ms = e[7].integer;
    if (a.outcome == Admission::Outcome::kAdmitted)
      a.reservation = {id, shared_request->key_id};
    done(std::move(a));
  };
  if (!client_.submit(std::move(commands), on_reply))
    done(on_redis_failure(*shared_request));
}

Command RedisCounters::finish_command(const Reservation &reservation,
                                      const Settlement *settlement) const {
  const Keys k = keys_for(reservation.key_id);
  return {"EVALSHA",
          finish_sha_,
          "4",
          k.bal,
          k.rl,
          k.res,
          k.held,
          num(static_cast<int64_t>(reservation.id)),
          settlement ? "1" : "0",
          num(settlement ? settlement->actual_cost : 0),
          num(settlement ? settlement->actual_tokens : 0),
          num(settlement ? settlement->now_ms : 0)};
}

void RedisCounters::finish_async(Reservation reservation,
                                 const Settlement *settlement,
                                 std::function<void(bool)> done) {
  if (reservation.id == 0)
    return done(false);
  if (!is_redis_reservation(reservation.id)) {
    const bool finished = settlement ? local_.settle(reservation, *settlement)
                                     : local_.release(reservation);
    if (finished) {
      if (settlement != nullptr && settlement->actual_cost > 0) {
        journal_.add_held({JournalEntry::Kind::kDebit,
                           journal_prefix_ + num(static_cast<int64_t>(reservation.id)),
                           reservation.key_id, settlement->actual_cost,
                           settlement->actual_tokens, settlement->now_ms, true});
      } else {
        journal_.drop_hold();
      }
    }
    return done(finished);
  }
  // Kept to be retried when this attempt fails: the finish script is
  // idempotent (a reservation already finished is left alone).
  JournalEntry retry{JournalEntry::Kind::kFinish,
                     num(static_cast<int64_t>(reservation.id)),
                     reservation.key_id,
                     settlement ? settlement->actual_cost : 0,
                     settlement ? settlement->actual_tokens : 0,
                     settlement ? settlement->now_ms : 0,
                     settlement != nullptr};
  auto on_reply = [this, done, retry](Expected<Replies, StoreError> r) {
    if (!r || r->size() != 1 || (*r)[0].type != RedisReply::Type::kInteger) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      journal_.try_add(retry);
      done(false);
      return;
    }
    done((*r)[0].integer == 1);
  };
  if (!client_.submit({finish_command(reservation, settlement)}, on_reply)) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    journal_.try_add(std::move(retry));
    done(false);
  }
}

// Not coroutines themselves (GCC 12 mishandles init-captured lambdas inside
// co_await expressions): each returns the awaitable built by await_callback.
asio::awaitable<Admission> RedisCounters::admit(AdmitRequest request) {
  auto shared = std::make_shared<AdmitRequest>(std::move(request));
  return await_callback<Admission>(
      [this, shared](std::function<void(Admission)> done) {
        admit_async(*shared, std::move(done));
      });
}

asio::awaitable<bool> RedisCounters::settle(Reservation reservation,
                                            Settlement settlement) {
  return await_callback<bool>(
      [this, reservation, settlement](std::function<void(bool)> done) {
        finish_async(reservation, &settlement, std::move(done));
      });
}

asio::awaitable<bool> RedisCounters::release(Reservation reservation) {
  return await_callback<bool>(
      [this, reservation](std::function<void(bool)> done) {
        finish_async(reservation, nullptr, std::move(done));
      });
}

void RedisCounters::add_credits(std::string_view key_id, Micros amount,
                                const BalanceSeed &seed) {
  local_.add_credits(key_id, amount, seed);
  const Keys k = keys_for(key_id);
  auto r = client_.call({{"EVALSHA", credits_sha_, "1", k.bal, num(amount),
                          num(seed.period_start_ms), num(seed.spent),
                          num(seed.credits ? *seed.credits : -1)}});
  if (!r || (*r)[0].is_error())
    failures_.fetch_add(1, std::memory_order_relaxed);
}

void RedisCounters::forget_balance(std::string_view key_id) {
  local_.forget_balance(key_id);
  auto r = client_.call({{"HDEL", keys_for(key_id).bal, "seeded"}});
  if (!r)
    failures_.fetch_add(1, std::memory_order_relaxed);
}

LiveBalance RedisCounters::balance(std::string_view key_id, int64_t now_ms) {
  const Keys k = keys_for(key_id);
  auto r = client_.call({{"HMGET", k.bal, "seeded", "period", "period_start",
                          "spent", "reserved", "credits"},
                         {"ZCARD", k.res}});
  if (!r || (*r)[0].type != RedisReply::Type::kArray ||
      (*r)[0].elements.size() != 6) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return local_.balance(key_id, now_ms);
  }
  const auto &f = (*r)[0].elements;
  auto as_int = [](const RedisReply &v) -> int64_t {
    return v.type == RedisReply::Type::kString
               ? std::strtoll(v.str.c_str(), nullptr, 10)
               : 0;
  };
  LiveBalance b;
  if (f[0].type == RedisReply::Type::kNil)
    return b;
  b.known = true;
  const BudgetPeriod period =
      parse_period(f[1].type == RedisReply::Type::kString ? f[1].str : "never")
          .value_or(BudgetPeriod::kNever);
  const bool rolled = period_start_ms(period, now_ms) > as_int(f[2]);
  b.spent = rolled ? 0 : as_int(f[3]);
  b.reserved = as_int(f[4]);
  if (f[5].type == RedisReply::Type::kString)
    b.credits = as_int(f[5]);
  b.in_flight = (*r)[1].integer;
  return b;
}

// BlockingRedisCounters

Admission BlockingRedisCounters::admit(const AdmitRequest &request) {
  std::promise<Admission> p;
  auto f = p.get_future();
  counters_.admit_async(request,
                        [&p](Admission a) { p.set_value(std::move(a)); });
  return f.get();
}

bool BlockingRedisCounters::settle(const Reservation &reservation,
                                   const Settlement &settlement) {
  std::promise<bool> p;
  auto f = p.get_future();
  counters_.finish_async(reservation, &settlement,
                         [&p](bool ok) { p.set_value(ok); });
  return f.get();
}

bool BlockingRedisCounters::release(const Reservation &reservation) {
  std::promise<bool> p;
  auto f = p.get_future();
  counters_.finish_async(reservation, nullptr,
                         [&p](bool ok) { p.set_value(ok); });
  return f.get();
}

void BlockingRedisCounters::add_credits(std::string_view key_id, Micros amount,
                                        const BalanceSeed &seed_after_top_up) {
  counters_.add_credits(key_id, amount, seed_after_top_up);
}

void BlockingRedisCounters::forget_balance(std::string_view key_id) {
  counters_.forget_balance(key_id);
}

LiveBalance BlockingRedisCounters::balance(std::string_view key_id,
                                           int64_t now_ms) {
  return counters_.balance(key_id, now_ms);
}

} // namespace sy::store::redis
