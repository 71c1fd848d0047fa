// RankTable: the byte-string -> rank map of one BPE vocabulary (o200k_base, cl100k_base).
//
// Built once from an embedded "SYRK" table (tools/ranks_to_bin.mjs): ranks are 0..N-1,
// token bytes are not copied (the table points into the embedded data, which must outlive
// it). Lookups use an open-addressing hash table with 32-bit tags and never allocate.
// Immutable after construction, so concurrent lookups from any thread are safe.
// A malformed table (a build defect, never a run-time input) aborts with a message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sy::tokenize {

class RankTable {
 public:
  static constexpr uint32_t kNoRank = UINT32_MAX;

  // REQUIRES: `data` stays valid for the table's lifetime. `name` is used in diagnostics.
  RankTable(std::span<const uint8_t> data, std::string_view name);

  // Rank of the token whose bytes are exactly `bytes`, or kNoRank.
  uint32_t rank(const uint8_t* bytes, size_t size) const;
  uint32_t rank(std::string_view bytes) const {
    return rank(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  // Every single byte is a token in the supported vocabularies (checked at construction).
  uint32_t byte_rank(uint8_t byte) const { return byte_ranks_[byte]; }

  size_t size() const { return offsets_.size() - 1; }
  // REQUIRES: rank < size().
  std::string_view token(uint32_t rank) const;

 private:
  const uint8_t* lengths_ = nullptr;  // lengths_[rank]
  const uint8_t* bytes_ = nullptr;    // concatenated token bytes
  // One hash slot: a lookup of a token up to 8 bytes long touches only its slot.
  struct Slot {
    uint64_t head = 0;        // the token's first 8 bytes, little-endian, zero padded
    uint32_t rank_plus1 = 0;  // 0 = empty
    uint32_t length_tag = 0;  // (hash tag << 8) | length
  };

  std::vector<uint32_t> offsets_;  // offsets_[rank] into bytes_; offsets_[N] = total
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  uint32_t byte_ranks_[256] = {};
};

}  // namespace sy::tokenize
