#include "tokenize/rank_data.h"

// Symbols defined by the generated rank_data.S.
extern "C" {
extern const uint8_t sy_tokenize_o200k_base_ranks[];
extern const uint8_t sy_tokenize_o200k_base_ranks_end[];
extern const uint8_t sy_tokenize_cl100k_base_ranks[];
extern const uint8_t sy_tokenize_cl100k_base_ranks_end[];
}

namespace sy::tokenize {

std::span<const uint8_t> o200k_base_rank_data() {
  return {sy_tokenize_o200k_base_ranks, sy_tokenize_o200k_base_ranks_end};
}

std::span<const uint8_t> cl100k_base_rank_data() {
  return {sy_tokenize_cl100k_base_ranks, sy_tokenize_cl100k_base_ranks_end};
}

}  // namespace sy::tokenize
