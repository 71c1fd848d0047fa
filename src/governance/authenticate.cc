#include "governance/authenticate.h"

#include <fmt/format.h>

#include "governance/secret.h"

namespace sy::governance {

std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != kScheme[i]) return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  return token;
}

Expected<std::shared_ptr<const store::KeyRecord>, api::ApiError> authenticate(
    const std::shared_ptr<const KeyTable>& table, std::string_view authorization, int64_t now_ms) {
  const std::string_view token = bearer_token(authorization);
  if (token.empty()) {
    return unexpected(api::unauthorized(
        "You didn't provide an API key. Provide it as 'Authorization: Bearer YOUR_KEY'."));
  }
  // Bound the work on untrusted input: real secrets are ~50 characters.
  const store::KeyRecord* key =
      token.size() <= 256 && table ? table->find_by_hash(sha256(token)) : nullptr;
  if (key == nullptr) return unexpected(api::unauthorized("Incorrect API key provided."));
  if (key->revoked) return unexpected(api::unauthorized("This API key has been revoked."));
  if (key->expires_at_ms && now_ms >= *key->expires_at_ms) {
    return unexpected(api::unauthorized("This API key has expired."));
  }
  return std::shared_ptr<const store::KeyRecord>(table, key);
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with single-star backtracking: O(|p|·|t|) worst case.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool model_allowed(const store::KeyRecord& key, std::string_view model) {
  if (key.models.empty()) return true;
  for (const auto& pattern : key.models) {
    if (glob_match(pattern, model)) return true;
  }
  return false;
}

Expected<bool, api::ApiError> check_model(const store::KeyRecord& key, std::string_view model) {
  if (model_allowed(key, model)) return true;
  return unexpected(api::forbidden(
      fmt::format("This API key is not allowed to use the model `{}`.", model.substr(0, 256)),
      "model_not_allowed"));
}

}  // namespace sy::governance
