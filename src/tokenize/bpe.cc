#include "tokenize/bpe.h"

#include <algorithm>
#include <cstring>

namespace sy::tokenize {
namespace {

constexpr uint32_t kNoRank = RankTable::kNoRank;

// Calls emit(size_t begin, size_t end) for each final token's byte range [begin, end) of a piece
// that is at least 2 bytes long and not itself a token.
template <class Emit>
void merge_short(const RankTable& ranks, const uint8_t* bytes, size_t n, Emit&& emit) {
  struct Part {
    uint32_t start;
    uint32_t rank;  // rank of this part merged with the next one, or kNoRank
  };
  Part parts[kShortPieceBytes + 1];
  for (size_t i = 0; i + 1 < n; ++i) {
    parts[i] = {static_cast<uint32_t>(i), ranks.rank(bytes + i, 2)};
  }
  parts[n - 1] = {static_cast<uint32_t>(n - 1), kNoRank};
  parts[n] = {static_cast<uint32_t>(n), kNoRank};
  size_t size = n + 1;  // parts[size - 1] is the end sentinel

  auto pair_rank = [&](size_t i) {  // rank of parts[i] merged with parts[i + 1]
    if (i + 2 >= size) return kNoRank;
    return ranks.rank(bytes + parts[i].start, parts[i + 2].start - parts[i].start);
  };

  for (;;) {
    uint32_t best = kNoRank;
    size_t at = 0;
    for (size_t i = 0; i + 1 < size; ++i) {
      if (parts[i].rank < best) {
        best = parts[i].rank;
        at = i;
      }
    }
    if (best == kNoRank) break;
    std::memmove(&parts[at + 1], &parts[at + 2], (size - at - 2) * sizeof(Part));
    --size;
    parts[at].rank = pair_rank(at);
    if (at > 0) parts[at - 1].rank = pair_rank(at - 1);
  }
  for (size_t i = 0; i + 1 < size; ++i) emit(parts[i].start, parts[i + 1].start);
}

// Min-heap with four children per node: a sift visits half the levels of a binary heap and
// the children share one cache line, which matters for the megabyte pieces this serves.
class QuadHeap {
 public:
  explicit QuadHeap(std::vector<uint64_t>& storage) : v_(storage) {}

  bool empty() const { return v_.empty(); }

  void heapify() {
    if (v_.size() < 2) return;
    for (size_t i = (v_.size() - 2) / 4 + 1; i-- > 0;) sift_down(i);
  }

  void push(uint64_t value) {
    size_t i = v_.size();
    v_.push_back(value);
    while (i > 0) {
      const size_t parent = (i - 1) / 4;
      if (v_[parent] <= value) break;
      v_[i] = v_[parent];
      i = parent;
    }
    v_[i] = value;
  }

  uint64_t pop() {
    const uint64_t top = v_.front();
    v_.front() = v_.back();
    v_.pop_back();
    if (!v_.empty()) sift_down(0);
    return top;
  }

 private:
  void sift_down(size_t i) {
    const size_t size = v_.size();
    const uint64_t value = v_[i];
    for (;;) {
      const size_t first = 4 * i + 1;
      if (first >= size) break;
      size_t best = first;
      const size_t last = std::min(first + 4, size);
      for (size_t c = first + 1; c < last; ++c) {
        if (v_[c] < v_[best]) best = c;
      }
      if (v_[best] >= value) break;
      v_[i] = v_[best];
      i = best;
    }
    v_[i] = value;
  }

  std::vector<uint64_t>& v_;
};

struct LongScratch {
  std::vector<uint32_t> next;       // next[p]: start of the part after the one starting at p
  std::vector<uint32_t> prev;       // prev[p]: start of the part before (only for live p > 0)
  std::vector<uint32_t> pair_rank;  // rank of part p merged with its successor
  std::vector<uint8_t> dead;        // 1 once p stopped being a part start
  std::vector<uint64_t> heap;       // (rank << 32) | start, min-heap

  void release_if_large() {
    constexpr size_t kKeepBytes = 64 * 1024;
    if (next.capacity() > kKeepBytes) *this = LongScratch{};
  }
};

template <class Emit>
void merge_long(const RankTable& ranks, const uint8_t* bytes, size_t n, Emit&& emit) {
  thread_local LongScratch s;
  s.next.resize(n);
  s.prev.resize(n);
  s.pair_rank.resize(n);
  s.dead.assign(n, 0);
  s.heap.clear();

  auto span_rank = [&](uint32_t begin, uint32_t end) {
    return ranks.rank(bytes + begin, end - begin);
  };
  for (uint32_t p = 0; p < n; ++p) {
    s.next[p] = p + 1;
    s.prev[p] = p == 0 ? 0 : p - 1;
    s.pair_rank[p] = p + 1 < n ? span_rank(p, p + 2) : kNoRank;
    if (s.pair_rank[p] != kNoRank) s.heap.push_back((uint64_t{s.pair_rank[p]} << 32) | p);
  }
  QuadHeap heap(s.heap);
  heap.heapify();

  const uint32_t end = static_cast<uint32_t>(n);
  auto push = [&](uint32_t p) {
    if (s.pair_rank[p] != kNoRank) heap.push((uint64_t{s.pair_rank[p]} << 32) | p);
  };
  while (!heap.empty()) {
    const uint64_t top = heap.pop();
    const uint32_t p = static_cast<uint32_t>(top);
    const uint32_t rank = static_cast<uint32_t>(top >> 32);
    if (s.dead[p] || s.pair_rank[p] != rank) continue;  // stale entry

    const uint32_t q = s.next[p];  // merge part q into part p
    s.dead[q] = 1;
    s.next[p] = s.next[q];
    if (s.next[p] < end) s.prev[s.next[p]] = p;
    s.pair_rank[p] = s.next[p] < end ? span_rank(p, s.next[s.next[p]]) : kNoRank;
    push(p);
    if (p > 0) {
      const uint32_t before = s.prev[p];
      s.pair_rank[before] = span_rank(before, s.next[p]);
      push(before);
    }
  }
  for (uint32_t p = 0; p < end; p = s.next[p]) emit(p, s.next[p]);
  s.release_if_large();
}

// Positions are 32-bit; a piece longer than this (only possible for gigabyte inputs) is
// merged in consecutive chunks, which can only overcount slightly at chunk borders.
constexpr size_t kMaxMergeBytes = size_t{1} << 30;

template <class Emit>
void merge(const RankTable& ranks, std::string_view piece, Emit&& emit) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(piece.data());
  const size_t n = piece.size();
  if (n <= kShortPieceBytes) {
    merge_short(ranks, bytes, n, emit);
    return;
  }
  for (size_t done = 0; done < n; done += kMaxMergeBytes) {
    const size_t chunk = std::min(kMaxMergeBytes, n - done);
    const uint8_t* base = bytes + done;
    merge_long(ranks, base, chunk,
               [&](size_t begin, size_t end) { emit(done + begin, done + end); });
  }
}

}  // namespace

size_t bpe_count(const RankTable& ranks, std::string_view piece) {
  if (piece.size() <= 1) return piece.size();
  if (ranks.rank(piece) != kNoRank) return 1;
  size_t count = 0;
  merge(ranks, piece, [&](size_t, size_t) { ++count; });
  return count;
}

void bpe_encode(const RankTable& ranks, std::string_view piece, std::vector<uint32_t>& out) {
  if (piece.empty()) return;
  const auto* bytes = reinterpret_cast<const uint8_t*>(piece.data());
  if (piece.size() == 1) {
    out.push_back(ranks.byte_rank(bytes[0]));
    return;
  }
  if (const uint32_t whole = ranks.rank(piece); whole != kNoRank) {
    out.push_back(whole);
    return;
  }
  merge(ranks, piece,
        [&](size_t begin, size_t end) { out.push_back(ranks.rank(bytes + begin, end - begin)); });
}

}  // namespace sy::tokenize
