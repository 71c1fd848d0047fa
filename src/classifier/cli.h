// Command-line hooks for the router classifier:
//   router train --data FILE.jsonl --out MODEL [--strong NAME --mini NAME ...]
//   router eval  --data FILE.jsonl [--model MODEL] [--strong NAME --mini NAME]
// add_router_commands() only registers subcommands; their callbacks run when
// CLI11 parses, print to stdout/stderr and report failure by throwing
// CLI::RuntimeError (CLI11's exit-code mechanism; never on the request path).
#pragma once

#include <CLI/CLI.hpp>

namespace sy::classifier {

void add_router_commands(CLI::App& app);

}  // namespace sy::classifier
