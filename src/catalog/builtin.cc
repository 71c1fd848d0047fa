// Catalog::builtin: the catalog embedded at build time, parsed once.
#include <cstdio>
#include <cstdlib>

#include "catalog/catalog.h"
#include "catalog/embedded_yaml.h"

namespace sy::catalog {
namespace {

Catalog parse_embedded_or_die() {
  auto parsed = Catalog::parse(kEmbeddedProvidersYaml, kEmbeddedModelsYaml);
  if (!parsed) {
    std::fprintf(stderr, "switchyard: the built-in catalog is invalid: %s\n",
                 parsed.error().c_str());
    std::abort();
  }
  return std::move(parsed).value();
}

}  // namespace

const Catalog& Catalog::builtin() {
  static const Catalog catalog = parse_embedded_or_die();
  return catalog;
}

}  // namespace sy::catalog
