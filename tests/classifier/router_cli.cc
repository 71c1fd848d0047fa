// Stand-alone driver for the `router` commands (the same code the switchyard
// binary wires in), so the committed model can be rebuilt from this folder.
#include <CLI/CLI.hpp>

#include "classifier/cli.h"

int main(int argc, char** argv) {
  CLI::App app{"Switchyard router classifier tools"};
  app.require_subcommand(1);
  sy::classifier::add_router_commands(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
