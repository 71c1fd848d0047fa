// Request-path key checks, pure and lock-free over a KeyTable snapshot.
//
// authenticate(): the `Authorization` header value ("Bearer sk-sy-…") → the
// key record, kept alive by the returned shared_ptr (it aliases the
// snapshot), or a 401 ApiError for a missing, malformed, unknown, revoked or
// expired key. Messages never echo the presented secret.
// check_model(): 403 naming the model unless the key may use it. A key's
// `models` lists names and globs (`*` any run, `?` one character), e.g.
// "gpt-4o*", "auto", "auto:*"; an empty list allows every model.
#pragma once

#include <memory>
#include <string_view>

#include "api/error.h"
#include "governance/key_table.h"

namespace sy::governance {

Expected<std::shared_ptr<const store::KeyRecord>, api::ApiError> authenticate(
    const std::shared_ptr<const KeyTable>& table, std::string_view authorization, int64_t now_ms);

bool glob_match(std::string_view pattern, std::string_view text);
bool model_allowed(const store::KeyRecord& key, std::string_view model);
Expected<bool, api::ApiError> check_model(const store::KeyRecord& key, std::string_view model);

// "Bearer xyz" → "xyz" (scheme case-insensitive); empty when absent/malformed.
std::string_view bearer_token(std::string_view authorization);

}  // namespace sy::governance
