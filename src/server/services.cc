#include "server/services.h"

#include <fmt/format.h>

namespace sy::server {

Expected<std::string, std::string> sqlite_path(const std::string& store_url) {
  constexpr std::string_view kPrefix = "sqlite://";
  if (store_url.rfind(kPrefix, 0) != 0) {
    return unexpected(fmt::format("store '{}' is not supported by this build (use sqlite://PATH)",
                                  store_url));
  }
  std::string path = store_url.substr(kPrefix.size());
  if (path.empty()) return unexpected(std::string("store: sqlite:// needs a file path"));
  return path;
}

Expected<std::unique_ptr<Services>, std::string> open_services(const config::Config& cfg) {
  auto path = sqlite_path(cfg.store);
  if (!path) return unexpected(std::move(path.error()));
  auto services = std::make_unique<Services>();
  store::sqlite::SqliteOptions opts;
  opts.path = *path;
  opts.ledger.flush_interval = cfg.ledger_flush_interval;
  auto opened = store::sqlite::open_sqlite_store(opts);
  if (!opened) {
    return unexpected(fmt::format("cannot open the store at {}: {}", *path, opened.error().message));
  }
  services->store = std::move(*opened);
  if (auto loaded = services->registry.reload(*services->store.keys); !loaded) {
    return unexpected(fmt::format("cannot load keys from {}: {}", *path, loaded.error().message));
  }
  services->keys = std::make_unique<governance::KeyService>(
      *services->store.keys, services->registry, &services->counters, services->clock);
  services->governor = std::make_unique<governance::Governor>(services->counters, services->clock);
  if (!cfg.admin_key.empty()) {
    services->admin = std::make_unique<governance::AdminContext>(
        governance::AdminContext{cfg.admin_key, *services->keys, *services->store.ledger});
  }
  return services;
}

}  // namespace sy::server
