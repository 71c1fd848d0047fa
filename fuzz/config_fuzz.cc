// Fuzzes the YAML config loader and ${VAR} interpolation with arbitrary text.
// Invariants: no crash and no escaping exception (errors are values); every
// error names the source. Links sy_config.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cfg = sy::config::load_from_string(text, "fuzz.yaml");
  if (!cfg) {
    if (cfg.error().rfind("fuzz.yaml", 0) != 0) std::abort();
  } else {
    for (const auto& group : cfg->models) {
      for (const auto& d : group.deployments) {
        if (!cfg->providers.contains(d.provider)) std::abort();
      }
    }
  }
  (void)sy::config::interpolate_env(text);
  return 0;
}
