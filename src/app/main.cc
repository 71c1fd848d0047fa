// switchyard: the command-line entry point. Wiring only: each subcommand
// parses its flags and calls into the modules.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

#include "classifier/cli.h"
#include <yaml-cpp/yaml.h>

#include "app/allocator.h"
#include "catalog/catalog.h"
#include "config/loader.h"
#include "policy/config_parse.h"
#include "routing/config_parse.h"
#include "routing/table.h"
#include "emulator/emulator.h"
#include "governance/cli.h"
#include "server/server.h"
#include "server/services.h"
#include "store/postgres/migrations.h"
#include "store/postgres/store.h"
#include "store/sqlite/store.h"
#include "tokenize/tokenizer.h"

namespace {

struct ServeFlags {
  std::string config_path;
  std::string listen;
  int workers = -1;
};

// Applies --listen and --workers over the loaded configuration.
bool apply_overrides(sy::config::Config& cfg, const ServeFlags& f) {
  if (!f.listen.empty()) {
    auto colon = f.listen.rfind(':');
    if (colon == std::string::npos) {
      std::fprintf(stderr, "--listen: expected host:port, got '%s'\n", f.listen.c_str());
      return false;
    }
    cfg.listen.host = f.listen.substr(0, colon);
    cfg.listen.port = static_cast<uint16_t>(std::stoi(f.listen.substr(colon + 1)));
  }
  if (f.workers >= 0) cfg.workers = f.workers;
  return true;
}

// Routing options from the config file (strategies, retries, breakers,
// fallbacks), built into the run-time table. The embedded config has none.
sy::Expected<std::shared_ptr<const sy::routing::RoutingTable>, std::string> routing_for(
    const sy::config::Config& cfg, const std::string& path) {
  sy::routing::RoutingConfig rc;
  if (!path.empty()) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(path);
    } catch (const std::exception& e) {
      return sy::unexpected(std::string(e.what()));
    }
    auto parsed = sy::routing::parse_routing(root, path);
    if (!parsed) return sy::unexpected(std::move(parsed.error()));
    rc = std::move(*parsed);
  }
  return sy::routing::RoutingTable::build(cfg, rc, sy::catalog::Catalog::builtin());
}

// The embedded configuration's policy: "model": "auto" picks gpt-4o-mini or
// gpt-4o (both groups of every embedded configuration) with the builtin router.
constexpr const char* kEmbeddedPolicies = R"(policies:
  auto:
    tiers:
      mini: [gpt-4o-mini]
      standard: [gpt-4o]
)";

// Auto-routing policies (`policies:`), validated against the configured
// model groups; without a file, the embedded configuration's.
sy::Expected<std::shared_ptr<const sy::policy::PolicySet>, std::string> policies_for(
    const sy::config::Config& cfg, const std::string& path) {
  YAML::Node root;
  try {
    root = path.empty() ? YAML::Load(kEmbeddedPolicies) : YAML::LoadFile(path);
  } catch (const std::exception& e) {
    return sy::unexpected(std::string(e.what()));
  }
  auto parsed = sy::policy::parse_policies(root, path.empty() ? "<embedded>" : path, cfg);
  if (!parsed) return sy::unexpected(std::move(parsed.error()));
  return std::make_shared<const sy::policy::PolicySet>(std::move(*parsed));
}

int serve(const ServeFlags& flags) {
  std::unique_ptr<sy::emulator::Emulator> emulator;
  sy::config::Config cfg;
  if (!flags.config_path.empty()) {
    auto loaded = sy::config::load_from_file(flags.config_path);
    if (!loaded) {
      std::fprintf(stderr, "%s\n", loaded.error().c_str());
      return 2;
    }
    cfg = std::move(loaded.value());
  } else {
    emulator = std::make_unique<sy::emulator::Emulator>(sy::emulator::Options{});
    uint16_t emulator_port = emulator->start();
    cfg = sy::config::embedded_default(emulator_port);
    if (!cfg.embedded_emulator) {
      emulator.reset();
    }
  }
  if (!apply_overrides(cfg, flags)) return 2;
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));

  if (cfg.embedded_emulator) {
    spdlog::info(
        "no provider keys in the environment (set OPENAI_API_KEY or pass --config): serving the "
        "bundled provider emulator at http://127.0.0.1:{} as upstream 'emulator' (offline demo)",
        emulator->port());
  }
  auto routing = routing_for(cfg, flags.config_path);
  if (!routing) {
    std::fprintf(stderr, "%s\n", routing.error().c_str());
    return 2;
  }
  auto policies = policies_for(cfg, flags.config_path);
  if (!policies) {
    std::fprintf(stderr, "%s\n", policies.error().c_str());
    return 2;
  }
  auto services = sy::server::open_services(cfg);
  if (!services) {
    spdlog::error("{}", services.error());
    return 1;
  }
  // Build the token rank tables now, not on the first request.
  sy::tokenize::tokenizer(sy::tokenize::Encoding::kO200kBase);
  sy::tokenize::tokenizer(sy::tokenize::Encoding::kCl100kBase);
  auto shared = std::make_shared<const sy::config::Config>(std::move(cfg));
  sy::server::Server server(shared, services->get(), std::move(*routing));
  server.set_policies(std::move(*policies));
  try {
    server.start();
  } catch (const std::exception& e) {
    spdlog::error("cannot listen on {}:{}: {}", shared->listen.host, shared->listen.port, e.what());
    return 1;
  }
  spdlog::info("switchyard listening on http://{}:{} ({} models, {} providers, config {}, {})",
               shared->listen.host, server.port(), shared->models.size(),
               shared->providers.size(), shared->source, sy::app::allocator_name());
  int rc = server.run();
  if (emulator) emulator->stop();
  return rc;
}

int check(const std::string& path) {
  auto loaded = sy::config::load_from_file(path);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.error().c_str());
    return 2;
  }
  if (auto routing = routing_for(*loaded, path); !routing) {
    std::fprintf(stderr, "%s\n", routing.error().c_str());
    return 2;
  }
  auto policies = policies_for(*loaded, path);
  if (!policies) {
    std::fprintf(stderr, "%s\n", policies.error().c_str());
    return 2;
  }
  std::printf("%s: OK (%zu providers, %zu models, %zu policies)\n", path.c_str(),
              loaded->providers.size(), loaded->models.size(), (*policies)->policies.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Switchyard: one OpenAI-compatible endpoint in front of many LLM providers"};
  app.require_subcommand(1);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");

  ServeFlags serve_flags;
  auto* serve_cmd = app.add_subcommand("serve", "Run the gateway");
  serve_cmd->add_option("-c,--config", serve_flags.config_path,
                        "YAML configuration file (default: the embedded offline demo)");
  serve_cmd->add_option("--listen", serve_flags.listen, "host:port, overrides the config");
  serve_cmd->add_option("--workers", serve_flags.workers, "worker threads (0 = one per core)");

  std::string check_path;
  auto* check_cmd = app.add_subcommand("check", "Validate a configuration file without serving");
  check_cmd->add_option("-c,--config", check_path, "YAML configuration file")->required();

  sy::emulator::Options emu;
  auto* emu_cmd = app.add_subcommand("emulator", "Run the provider emulator (tests, benchmarks)");
  emu_cmd->add_option("--host", emu.host, "address to bind");
  emu_cmd->add_option("--port", emu.port, "port (0 = ephemeral)");
  emu_cmd->add_option("--threads", emu.threads, "worker threads");

  // `keys` and `usage` work on the store named by --store, or the config's `store:`.
  std::string store_url, store_config;
  app.add_option("--store", store_url, "store URL for keys/usage (e.g. sqlite://switchyard.db)")
      ->envname("SWITCHYARD_STORE");
  app.add_option("--store-config", store_config, "read the store URL from this config file");
  app.fallthrough();
  sy::governance::add_keys_commands(app, [&]() -> std::string {
    std::string url = store_url;
    if (url.empty() && !store_config.empty()) {
      auto loaded = sy::config::load_from_file(store_config);
      if (!loaded) throw CLI::ValidationError("--store-config", loaded.error());
      url = loaded->store;
    }
    if (url.empty()) url = sy::config::Config{}.store;
    auto path = sy::server::sqlite_path(url);
    if (!path) throw CLI::ValidationError("--store", path.error());
    return *path;
  });
  sy::classifier::add_router_commands(app);

  std::string migrate_url;
  auto* migrate_cmd = app.add_subcommand(
      "migrate", "Create or upgrade the store's schema (idempotent); the gateway also does this at start");
  migrate_cmd->add_option("url", migrate_url, "store URL: postgres://... or sqlite://PATH")->required();

  CLI11_PARSE(app, argc, argv);
  if (*serve_cmd) return serve(serve_flags);
  if (*check_cmd) return check(check_path);
  if (*emu_cmd) return sy::emulator::run_emulator_command(emu);
  if (*migrate_cmd) {
    if (sy::store::postgres::is_postgres_url(migrate_url)) {
      sy::store::postgres::PgOptions pg;
      pg.url = migrate_url;
      auto version = sy::store::postgres::migrate(pg);
      if (!version) {
        std::fprintf(stderr, "migrate: %s\n", version.error().message.c_str());
        return 1;
      }
      std::printf("schema at version %d\n", *version);
      return 0;
    }
    auto path = sy::server::sqlite_path(migrate_url);
    if (!path) {
      std::fprintf(stderr, "migrate: %s\n", path.error().c_str());
      return 2;
    }
    sy::store::sqlite::SqliteOptions opts;
    opts.path = *path;
    auto opened = sy::store::sqlite::open_sqlite_store(opts);  // migrates on open
    if (!opened) {
      std::fprintf(stderr, "migrate: %s\n", opened.error().message.c_str());
      return 1;
    }
    std::printf("schema up to date at %s\n", path->c_str());
    return 0;
  }
  return 0;
}
