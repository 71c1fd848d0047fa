#include "governance/secret.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>

namespace sy::governance {
namespace {

constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// Big-endian base-62 of `bytes` (repeated division), left-padded with '0' to
// 43 digits (62^43 > 2^256) so every secret has the same length.
std::string base62(std::array<unsigned char, 32> bytes) {
  std::string out;
  size_t start = 0;
  while (start < bytes.size()) {
    unsigned remainder = 0;
    for (size_t i = start; i < bytes.size(); ++i) {
      const unsigned value = remainder * 256 + bytes[i];
      bytes[i] = static_cast<unsigned char>(value / 62);
      remainder = value % 62;
    }
    out.push_back(kBase62[remainder]);
    while (start < bytes.size() && bytes[start] == 0) ++start;
  }
  constexpr size_t kDigits = 43;
  while (out.size() < kDigits) out.push_back('0');
  return {out.rbegin(), out.rend()};
}

}  // namespace

Expected<std::string, std::string> generate_secret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return unexpected(std::string("system random generator failed"));
  }
  std::string secret(kSecretPrefix);
  secret += base62(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return secret;
}

std::string sha256(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::string display_prefix(std::string_view secret) {
  const size_t keep = std::min(secret.size(), kSecretPrefix.size() + 4);
  return std::string(secret.substr(0, keep)) + "\u2026";
}

Expected<std::string, std::string> random_id(std::string_view prefix) {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return unexpected(std::string("system random generator failed"));
  }
  std::string id(prefix);
  for (unsigned char b : bytes) id.push_back(kBase62[b % 62]);
  return id;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Hash both sides so the comparison length is fixed and CRYPTO_memcmp applies.
  const std::string ha = sha256(a);
  const std::string hb = sha256(b);
  return CRYPTO_memcmp(ha.data(), hb.data(), ha.size()) == 0;
}

}  // namespace sy::governance
