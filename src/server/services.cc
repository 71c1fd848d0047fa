#include "server/services.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace sy::server {

namespace {
constexpr std::string_view kNoticeChannel = "notices";
}

Expected<std::string, std::string> sqlite_path(const std::string& store_url) {
  constexpr std::string_view kPrefix = "sqlite://";
  if (store_url.rfind(kPrefix, 0) != 0) {
    return unexpected(fmt::format("store '{}' is not a sqlite:// URL", store_url));
  }
  std::string path = store_url.substr(kPrefix.size());
  if (path.empty()) return unexpected(std::string("store: sqlite:// needs a file path"));
  return path;
}

void Services::sync_grants_locked(bool apply) {
  auto totals = key_store->credit_grant_totals();
  if (!totals) {
    spdlog::warn("reading credit grants failed: {}", totals.error().message);
    return;
  }
  auto table = registry.snapshot();
  for (const auto& [id, total] : *totals) {
    auto seen = grants_seen_.find(id);
    if (apply && seen != grants_seen_.end() && total > seen->second) {
      if (const store::KeyRecord* rec = table->find_by_id(id)) {
        counters->add_credits(id, total - seen->second,
                              {rec->period_start_ms, rec->spent, rec->credits});
      }
    }
    grants_seen_[id] = total;
  }
}

void Services::reload_keys() {
  std::lock_guard lock(keys_mutex_);
  if (auto r = registry.reload(*key_store); !r) {
    spdlog::warn("key reload failed: {}", r.error().message);
    return;
  }
  sync_grants_locked(/*apply=*/true);
}

governance::AdminResponse Services::admin_call(const governance::AdminRequest& request) {
  std::lock_guard lock(keys_mutex_);
  governance::AdminResponse resp = governance::handle_admin(request, *admin);
  sync_grants_locked(/*apply=*/false);
  return resp;
}

void Services::announce_key_change() {
  if (notices) (void)notices->publish({"keys", ""});
}

Services::~Services() {
  notices.reset();  // stop callbacks before what they touch goes away
  if (ledger != nullptr) ledger->close();
}

Expected<std::unique_ptr<Services>, std::string> open_services(const config::Config& cfg) {
  auto s = std::make_unique<Services>();

  if (store::postgres::is_postgres_url(cfg.store)) {
    store::postgres::PostgresStoreOptions opts;
    opts.pg.url = cfg.store;
    opts.ledger.flush_interval = cfg.ledger_flush_interval;
    opts.spool_path = cfg.ledger_spool;
    auto opened = store::postgres::open_postgres_store(opts);
    if (!opened) {
      return unexpected(fmt::format("cannot open the PostgreSQL store: {}", opened.error().message));
    }
    s->postgres = std::move(*opened);
    s->key_store = s->postgres->keys.get();
    s->ledger = s->postgres->ledger.get();
  } else {
    auto path = sqlite_path(cfg.store);
    if (!path) return unexpected(std::move(path.error()));
    store::sqlite::SqliteOptions opts;
    opts.path = *path;
    opts.ledger.flush_interval = cfg.ledger_flush_interval;
    auto opened = store::sqlite::open_sqlite_store(opts);
    if (!opened) {
      return unexpected(fmt::format("cannot open the store at {}: {}", *path, opened.error().message));
    }
    s->sqlite = std::move(*opened);
    s->key_store = s->sqlite->keys.get();
    s->ledger = s->sqlite->ledger.get();
  }
  if (auto loaded = s->registry.reload(*s->key_store); !loaded) {
    return unexpected(fmt::format("cannot load keys: {}", loaded.error().message));
  }

  if (cfg.counters.rfind("redis://", 0) == 0) {
    store::redis::RedisCountersOptions opts;
    opts.redis.url = cfg.counters;
    opts.on_failure = cfg.counters_fail_closed ? store::redis::FailureMode::kClosed
                                               : store::redis::FailureMode::kOpen;
    opts.replicas = cfg.replicas;
    opts.reservation_ttl = cfg.reservation_ttl;
    s->redis = std::make_unique<store::redis::RedisCounters>(opts);
    s->redis_blocking = std::make_unique<store::redis::BlockingRedisCounters>(*s->redis);
    s->counters = s->redis_blocking.get();
    s->async_counters = s->redis.get();
    Services* self = s.get();
    s->notices = std::make_unique<store::redis::RedisNotices>(
        opts.redis, opts.prefix + std::string(kNoticeChannel),
        [self](const store::redis::Notice&) { self->reload_keys(); });
  } else {
    s->memory = std::make_unique<store::MemoryCounters>();
    s->memory_async = std::make_unique<store::SyncCountersAdapter>(*s->memory);
    s->counters = s->memory.get();
    s->async_counters = s->memory_async.get();
  }

  {
    std::lock_guard lock(s->keys_mutex_);
    s->sync_grants_locked(/*apply=*/false);  // the baseline: grants already in balances
  }
  s->keys = std::make_unique<governance::KeyService>(*s->key_store, s->registry, s->counters, s->clock);
  s->governor = std::make_unique<governance::AsyncGovernor>(*s->async_counters, s->clock);
  if (!cfg.admin_key.empty()) {
    s->admin = std::make_unique<governance::AdminContext>(
        governance::AdminContext{cfg.admin_key, *s->keys, *s->ledger});
  }
  return s;
}

}  // namespace sy::server
