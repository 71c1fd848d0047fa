// Request ids: the client's x-request-id when it is sane (1-128 chars of
// [A-Za-z0-9._:-]), else 32 hex digits generated here: 12 of milliseconds
// since the Unix epoch, then 20 random (80 bits). Generated ids sort by time,
// so the ledger's unique index on them grows at one end instead of touching a
// random page per row. Thread-safe (per-thread RNG).
#pragma once

#include <string>
#include <string_view>

namespace sy::server {

bool acceptable_request_id(std::string_view id);
std::string new_request_id();

}  // namespace sy::server
