// The memory allocator the gateway runs on. The switchyard binary links
// mimalloc (Debian's libmimalloc), which replaces malloc/free and operator
// new/delete process-wide: on the proxy path it gave 25% more requests/s than
// glibc's malloc at saturation (tcmalloc 16%, jemalloc 7%; see
// docs/PERFORMANCE.md).
#pragma once

#include <string>

namespace sy::app {

// "mimalloc <major>.<minor>.<patch>", for the start-up log line.
std::string allocator_name();

}  // namespace sy::app
