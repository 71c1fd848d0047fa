// JSON for the admin API: strict parsing of key fields into a KeyPatch and
// serialization of records and usage reports. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/error.h"
#include "governance/key_service.h"
#include "store/ledger.h"

namespace sy::governance {

enum class PatchMode { kCreate, kUpdate };

// Parses a JSON object of key fields. Unknown fields, wrong types and out of
// range values are 400 errors naming the field.
Expected<KeyPatch, api::ApiError> parse_key_patch(std::string_view body, PatchMode mode);
// {"amount_usd": N} with N > 0.
Expected<store::Micros, api::ApiError> parse_amount(std::string_view body);

// The record as JSON; `secret` non-empty adds "key" (creation only).
std::string record_json(const store::KeyRecord& r, std::string_view secret = {});
std::string usage_json(const store::UsageReport& report, const store::UsageQuery& query);

// Date or unix-seconds text → ms since epoch (UTC).
std::optional<int64_t> parse_time(std::string_view text);

}  // namespace sy::governance
