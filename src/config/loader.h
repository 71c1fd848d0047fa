// Loads and validates configuration. Errors are precise: file, line, column,
// the path of the offending key, what is wrong and what was expected.
// Unknown keys and unset ${VAR}s are errors at load time. Not on the
// request path: may allocate freely; thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"
#include "util/expected.h"

namespace sy::config {

// Parses YAML text; `source` names it in error messages.
Expected<Config, std::string> load_from_string(std::string_view yaml, std::string_view source);
Expected<Config, std::string> load_from_file(const std::string& path);

// The configuration used when no file is given: real providers for every
// provider key found in the environment, else the bundled emulator.
// `emulator_port` is where the in-process emulator listens.
Config embedded_default(uint16_t emulator_port);

// Replaces ${VAR} and ${VAR:-default} from the environment; "$${" escapes.
Expected<std::string, std::string> interpolate_env(std::string_view text);

}  // namespace sy::config
