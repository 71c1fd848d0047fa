// The gateway's configuration: an immutable snapshot built once from YAML
// (or the embedded default) and shared read-only by every worker thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "providers/adapter.h"

namespace sy::config {

using Millis = std::chrono::milliseconds;

struct ListenOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
};

// Limits on clients. Defaults in brackets.
struct ServerLimits {
  std::size_t max_body_bytes = 8 << 20;   // [8 MiB] larger bodies → 413
  std::size_t max_header_bytes = 16 << 10;  // [16 KiB] larger headers → 431
  Millis header_timeout{10'000};          // [10 s] to receive a request's headers
  Millis body_timeout{30'000};            // [30 s] to receive a request's body
  Millis idle_timeout{60'000};            // [60 s] keep-alive idle between requests
  Millis write_timeout{30'000};           // [30 s] for one write to a client to complete
  int max_connections = 10'000;           // [10000] across all workers; more → 503
};

// Behaviour towards upstream providers. Defaults in brackets.
struct UpstreamOptions {
  Millis connect_timeout{5'000};      // [5 s] TCP connect + TLS handshake
  Millis first_byte_timeout{60'000};  // [60 s] request sent → response headers
  Millis total_timeout{600'000};      // [10 min] whole exchange
  Millis stream_idle_timeout{120'000};  // [2 min] between two stream reads
  std::size_t max_response_bytes = 64 << 20;  // [64 MiB] non-streamed body
  int max_idle_per_origin = 64;       // [64] pooled keep-alive connections per worker
  Millis pool_idle_timeout{60'000};   // [60 s] pooled connection max idle
};

struct Deployment {
  std::string provider;  // key into Config::providers
  std::string model;     // name at the provider
  // Catalog facts (context window, prices, quirks); null when not catalogued.
  const catalog::ModelInfo* info = nullptr;
  // `price:` in config (USD per million tokens), overriding the catalog's.
  std::optional<catalog::Price> price;
};

struct ModelGroup {
  std::string name;  // what clients send as "model"
  std::vector<Deployment> deployments;
};

struct Config {
  std::string source = "<embedded>";  // file path, for messages
  ListenOptions listen;
  int workers = 0;                    // [0 = one per core]
  ServerLimits limits;
  UpstreamOptions upstream;
  Millis drain_timeout{30'000};       // [30 s] graceful shutdown budget
  std::string log_level = "info";
  // One JSON line per request: "-" (stdout), a file path, or "off".
  std::string access_log_path = "-";
  bool access_log_text = false;       // include prompt and completion text (opt-in)
  std::map<std::string, providers::ProviderSettings> providers;
  std::vector<ModelGroup> models;
  bool embedded_emulator = false;     // serve the bundled emulator (offline demo)

  // Parameters a model does not accept (catalog quirks): drop them and say so
  // in x-switchyard-dropped-params, or reject the request with a 400.
  enum class UnsupportedParams { kDrop, kReject };
  UnsupportedParams unsupported_params = UnsupportedParams::kDrop;

  // Governance (keys, budgets, ledger).
  std::string admin_key;              // master key for /admin/; empty = admin API off
  bool require_keys = false;          // true: the public API needs a virtual key even when none exist
  std::string store = "sqlite://switchyard.db";  // sqlite://PATH or postgres://...
  Millis ledger_flush_interval{1'000};  // [1 s] the most a crash may lose
  std::string counters = "memory";    // memory or redis://host:port/db
  bool counters_fail_closed = false;  // on_counter_failure: closed → 503 while Redis is away
  int replicas = 1;                   // replicas sharing Redis; the local share when it is away
  // [15 min] a Redis reservation not settled within this time (its replica
  // died) returns to the balance. Longer than upstream.total_timeout.
  Millis reservation_ttl{15 * 60'000};
  std::string ledger_spool = "switchyard-ledger.spool";  // rows kept while PostgreSQL is away

  const ModelGroup* find_model(std::string_view name) const;
};

using ConfigPtr = std::shared_ptr<const Config>;

}  // namespace sy::config
