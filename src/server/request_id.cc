#include "server/request_id.h"

#include <chrono>
#include <cstdint>
#include <random>

namespace sy::server {

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  const auto ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
  std::string out(32, '0');
  for (int i = 0; i < 12; ++i) out[i] = kHex[(ms >> ((11 - i) * 4)) & 15];
  uint64_t a = rng(), b = rng();
  for (int i = 0; i < 16; ++i) out[12 + i] = kHex[(a >> (i * 4)) & 15];
  for (int i = 0; i < 4; ++i) out[28 + i] = kHex[(b >> (i * 4)) & 15];
  return out;
}

}  // namespace sy::server
