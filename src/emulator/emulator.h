// The provider emulator: an HTTP/1.1 server that speaks the OpenAI, Anthropic,
// Gemini and Bedrock wire formats with scripted behaviour (scenarios, see
// scenario.h), for integration tests, benchmarks and the offline demo.
//
// Emulator owns its io_context and `threads` worker threads. start() binds
// (port 0 picks an ephemeral port), starts serving and returns the port; it
// throws std::system_error when it cannot bind (start-up only). stop() closes
// every connection and joins the threads; start() and stop() are thread-safe
// and idempotent, and the destructor stops. Requests it served are kept in a
// bounded log (GET /_emulator/requests; POST /_emulator/reset clears it and
// the scenario `times` counters).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emulator/request_log.h"

namespace sy::emulator {

struct Options {
  std::string host = "127.0.0.1";  // address to bind
  uint16_t port = 0;               // 0 = ephemeral
  int threads = 1;                 // worker threads; at least 1
};

class Emulator {
 public:
  explicit Emulator(Options options);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  uint16_t start();
  void stop();

  // The bound port (0 before start()).
  uint16_t port() const;
  // "http://HOST:PORT" (valid after start()).
  std::string base_url() const;
  // A copy of the request log, oldest first.
  std::vector<RequestRecord> requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Serves until SIGINT or SIGTERM. Prints "emulator listening on HOST:PORT"
// to stdout once listening. Returns 0 after a signal, 1 when it cannot bind.
int run_emulator_command(const Options& options);

}  // namespace sy::emulator
