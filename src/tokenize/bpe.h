// Byte-pair merging of one pre-tokenized piece, as tiktoken does it: start from single
// bytes and repeatedly merge the adjacent pair whose concatenation has the lowest rank
// (the leftmost such pair on ties) until no adjacent pair is a token.
//
// Pieces up to kShortPieceBytes use tiktoken's array algorithm on the stack (O(n^2), no
// allocation); longer pieces use a heap with lazy deletion (O(n log n), thread-local scratch
// released after unusually long pieces), so a megabyte of one letter stays cheap.
// Both give identical results. Thread-safe: no shared mutable state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenize/rank_table.h"

namespace sy::tokenize {

inline constexpr size_t kShortPieceBytes = 128;

// Number of tokens the piece encodes to. Any byte string is accepted (every byte is a token).
size_t bpe_count(const RankTable& ranks, std::string_view piece);

// Appends the piece's token ranks to `out`.
void bpe_encode(const RankTable& ranks, std::string_view piece, std::vector<uint32_t>& out);

}  // namespace sy::tokenize
