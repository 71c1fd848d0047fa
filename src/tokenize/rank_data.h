// Embedded BPE rank tables (generated at build time from the js-tiktoken npm package by
// tools/ranks_to_bin.mjs and linked in by rank_data.S).
//
// Contract: the returned bytes live for the whole program (read-only data section) and
// follow the "SYRK" layout documented in tools/ranks_to_bin.mjs and parsed by RankTable.
// Thread-safe: the data is immutable.
#pragma once

#include <cstdint>
#include <span>

namespace sy::tokenize {

std::span<const uint8_t> o200k_base_rank_data();
std::span<const uint8_t> cl100k_base_rank_data();

}  // namespace sy::tokenize
