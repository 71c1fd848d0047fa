// Which backend a `counters:` value selects. Pure; thread-safe.
#pragma once

#include <string_view>

namespace sy::store::redis {

// True for redis://... (the Redis counters backend); "memory" and empty are
// not.
inline bool is_redis_url(std::string_view url) {
  return url.starts_with("redis://");
}

} // namespace sy::store::redis
