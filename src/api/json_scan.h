// Locates top-level members of a JSON object in its raw bytes, so a body can
// be rewritten by splicing instead of re-serialising. Call only on bytes a
// validating parser accepted; the scanner trusts the grammar.
#pragma once

#include <string_view>
#include <vector>

namespace sy::api {

struct RawMember {
  std::string_view key;    // raw key bytes between the quotes (escapes kept)
  std::size_t value_begin; // offset of the value's first byte
  std::size_t value_end;   // offset one past the value's last byte
  bool key_has_escape;     // key contains a backslash; compare unescaped
};

// Members of the top-level object in `json`, in order of appearance.
std::vector<RawMember> scan_top_level(std::string_view json);

}  // namespace sy::api
