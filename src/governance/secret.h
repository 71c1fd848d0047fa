// Virtual key secrets: "sk-sy-" + 32 random bytes (OpenSSL RAND_bytes) in
// base62. Only the SHA-256 of a secret is ever stored; the secret is shown
// once, at creation. Never log a secret or its hash. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "util/expected.h"

namespace sy::governance {

inline constexpr std::string_view kSecretPrefix = "sk-sy-";

// A fresh secret, or an error message when the system RNG fails.
Expected<std::string, std::string> generate_secret();
// 32 raw bytes.
std::string sha256(std::string_view data);
// Display form: "sk-sy-" + the first 4 characters of the random part + "…".
std::string display_prefix(std::string_view secret);
// `prefix` + 16 random base62 characters, for record ids ("key_…").
Expected<std::string, std::string> random_id(std::string_view prefix);
// Compares two strings in time independent of their contents (lengths may leak).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace sy::governance
