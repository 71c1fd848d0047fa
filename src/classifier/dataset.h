// Training / evaluation data for the router classifier, read from JSONL.
//
// Two line formats are accepted (and may be mixed):
//  (a) routing data: {"messages": [...], "scores": {"model": quality, ...},
//      "group": "..."} — per-model quality in [0, 1] (see
//      /work/shared/data/routing/README.md); `source`/`category` are ignored.
//  (b) user labels: {"messages": [...], "tier": "mini" | "standard"} ("strong"
//      is accepted for "standard").
// Only `messages` (and `tools`) feed features. Errors (unreadable file,
// malformed line, line over kMaxLineBytes) are returned with the line number.
// Not thread-safe while being built; read-only use afterwards is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "classifier/features.h"
#include "util/expected.h"

namespace sy::classifier {

inline constexpr std::size_t kMaxLineBytes = 8 * 1024 * 1024;

enum class Tier : int8_t { kUnknown = -1, kMini = 0, kStrong = 1 };

struct Record {
  std::string text;  // bounded message text (see features.h)
  RequestShape shape;
  std::string group;  // split key: `group`, else `id`, else the line number
  std::vector<std::pair<uint16_t, float>> scores;  // (model id, quality)
  Tier tier = Tier::kUnknown;

  std::optional<float> score_of(uint16_t model) const;
};

struct Dataset {
  std::vector<std::string> models;  // model id -> name
  std::vector<Record> records;

  // Model id for a name, or -1 when no record scores it.
  int model_id(std::string_view name) const;
};

Expected<Dataset, std::string> read_jsonl(const std::string& path);
// Parses JSONL text held in memory (same rules as read_jsonl).
Expected<Dataset, std::string> parse_jsonl(std::string_view text);

// Deterministic split key of a group: the first 32 bits of sha256(salt + group)
// as an integer (the routing README's rule with a salt of our own).
uint32_t split_key(std::string_view group, std::string_view salt);

}  // namespace sy::classifier
