// Rng: a small seeded pseudo-random generator (SplitMix64) for routing
// decisions (weighted draws, power-of-two choices, tie breaks, backoff
// jitter). Deterministic for a given seed, so tests use fixed seeds.
//
// Thread safety: none. Keep one per worker thread (or per request); never
// share one between threads.
#pragma once

#include <cstdint>

namespace sy::routing {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n); n > 0.
  uint64_t below(uint64_t n) { return static_cast<uint64_t>(unit() * static_cast<double>(n)) % n; }

 private:
  uint64_t state_;
};

}  // namespace sy::routing
