// Command-line key management and usage reports, working directly against
// the SQLite store (the gateway may be running; SQLite's WAL lets both work).
//
//   switchyard keys create [--name N] [--models a,b*] [--rpm N] [--tpm N]
//                          [--max-parallel N] [--budget-usd X] [--budget-period P]
//                          [--credits-usd X] [--expires-at T]
//   switchyard keys list
//   switchyard keys revoke ID
//   switchyard keys topup ID AMOUNT_USD
//   switchyard usage [--from T] [--to T] [--group-by key|model|provider|day] [--key-id ID]
//
// `store_path` is called when a command runs (after parsing, so it can read
// a --config option). Output goes to `out`; errors throw CLI::RuntimeError(1)
// after a message on stderr. The secret is printed once by `keys create` and
// never logged. A running gateway sees CLI changes after its next key reload.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <string>

namespace sy::governance {

void add_keys_commands(CLI::App& app, std::function<std::string()> store_path,
                       std::ostream& out = std::cout);

}  // namespace sy::governance
