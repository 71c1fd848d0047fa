#include "app/allocator.h"

#include <fmt/format.h>
#include <mimalloc.h>

namespace sy::app {

std::string allocator_name() {
  const int v = mi_version();  // e.g. 209 for 2.0.9
  return fmt::format("mimalloc {}.{}.{}", v / 100, (v / 10) % 10, v % 10);
}

}  // namespace sy::app
