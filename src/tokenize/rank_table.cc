#include "tokenize/rank_table.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sy::tokenize {
namespace {

[[noreturn]] void fail(std::string_view name, const char* what) {
  std::fprintf(stderr, "sy::tokenize: embedded rank table %.*s is malformed: %s\n",
               static_cast<int>(name.size()), name.data(), what);
  std::abort();
}

// The first min(n, 8) bytes of p as a little-endian word, zero padded; never reads past p + n.
inline uint64_t load_head(const uint8_t* p, size_t n) {
  uint64_t word = 0;
  if (n >= 8) {
    std::memcpy(&word, p, 8);
  } else if (n >= 4) {
    uint32_t low = 0;
    uint32_t high = 0;
    std::memcpy(&low, p, 4);
    std::memcpy(&high, p + n - 4, 4);  // overlaps `low`; the shared bytes are equal
    word = uint64_t{low} | (uint64_t{high} << (8 * (n - 4)));
  } else if (n > 0) {
    word = uint64_t{p[0]} | (uint64_t{p[n / 2]} << (8 * (n / 2))) |
           (uint64_t{p[n - 1]} << (8 * (n - 1)));
  }
  return word;
}

// Fast 64-bit hash for short byte strings (tokens are at most 255 bytes); `head` is
// load_head(p, n). The length is mixed in first so zero padding cannot collide.
inline uint64_t hash_bytes(uint64_t head, const uint8_t* p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xFF51AFD7ED558CCDull);
  h = (h ^ head) * 0xBF58476D1CE4E5B9ull;
  h ^= h >> 31;
  for (size_t i = 8; i < n; i += 8) {
    h = (h ^ load_head(p + i, std::min<size_t>(8, n - i))) * 0x94D049BB133111EBull;
    h ^= h >> 29;
  }
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 32;
  return h;
}

inline uint32_t length_tag(uint64_t hash, size_t n) {
  return static_cast<uint32_t>((hash >> 40) << 8) | static_cast<uint32_t>(n);
}

constexpr char kMagic[4] = {'S', 'Y', 'R', 'K'};

}  // namespace

RankTable::RankTable(std::span<const uint8_t> data, std::string_view name) {
  if (data.size() < 8 || std::memcmp(data.data(), kMagic, 4) != 0) fail(name, "bad header");
  uint32_t count = 0;
  for (int i = 0; i < 4; ++i) count |= uint32_t{data[4 + i]} << (8 * i);
  if (count == 0 || data.size() < 8 + size_t{count}) fail(name, "truncated lengths");
  lengths_ = data.data() + 8;
  bytes_ = lengths_ + count;
  const size_t bytes_available = data.size() - 8 - count;

  offsets_.resize(size_t{count} + 1);
  size_t offset = 0;
  for (uint32_t r = 0; r < count; ++r) {
    offsets_[r] = static_cast<uint32_t>(offset);
    if (lengths_[r] == 0) fail(name, "empty token");
    offset += lengths_[r];
  }
  // The assembler may pad the section; extra trailing bytes are harmless, missing ones not.
  if (offset > bytes_available) fail(name, "truncated token bytes");
  offsets_[count] = static_cast<uint32_t>(offset);

  const size_t slot_count = std::bit_ceil(size_t{count} * 2);
  slots_.assign(slot_count, Slot{});
  mask_ = slot_count - 1;
  for (uint32_t r = 0; r < count; ++r) {
    const uint8_t* token_bytes = bytes_ + offsets_[r];
    if (rank(token_bytes, lengths_[r]) != kNoRank) fail(name, "duplicate token");
    const uint64_t head = load_head(token_bytes, lengths_[r]);
    const uint64_t h = hash_bytes(head, token_bytes, lengths_[r]);
    uint64_t i = h & mask_;
    while (slots_[i].rank_plus1 != 0) i = (i + 1) & mask_;
    slots_[i] = Slot{head, r + 1, length_tag(h, lengths_[r])};
  }

  for (int b = 0; b < 256; ++b) {
    const uint8_t byte = static_cast<uint8_t>(b);
    byte_ranks_[b] = rank(&byte, 1);
    if (byte_ranks_[b] == kNoRank) fail(name, "a single byte is not a token");
  }
}

uint32_t RankTable::rank(const uint8_t* bytes, size_t size) const {
  if (size == 0 || size > 255) return kNoRank;  // token lengths are 1..255
  const uint64_t head = load_head(bytes, size);
  const uint64_t h = hash_bytes(head, bytes, size);
  const uint32_t want = length_tag(h, size);
  for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.rank_plus1 == 0) return kNoRank;
    if (slot.length_tag != want || slot.head != head) continue;
    const uint32_t r = slot.rank_plus1 - 1;
    if (size <= 8 || std::memcmp(bytes_ + offsets_[r] + 8, bytes + 8, size - 8) == 0) return r;
  }
}

std::string_view RankTable::token(uint32_t rank) const {
  return {reinterpret_cast<const char*>(bytes_ + offsets_[rank]), lengths_[rank]};
}

}  // namespace sy::tokenize
