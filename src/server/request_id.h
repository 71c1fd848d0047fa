// Request ids: the client's x-request-id when it is sane (1-128 chars of
// [A-Za-z0-9._:-]), else 32 random hex digits. Thread-safe (per-thread RNG).
#pragma once

#include <string>
#include <string_view>

namespace sy::server {

bool acceptable_request_id(std::string_view id);
std::string new_request_id();

}  // namespace sy::server
