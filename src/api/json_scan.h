// Locates top-level members of a JSON object in its raw bytes, so a body can
// be rewritten by splicing instead of re-serialising. Call only on bytes a
// validating parser accepted; the scanner trusts the grammar.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace sy::api {

struct RawMember {
  std::string_view key;    // raw key bytes between the quotes (escapes kept)
  std::size_t value_begin; // offset of the value's first byte
  std::size_t value_end;   // offset one past the value's last byte
  bool key_has_escape;     // key contains a backslash; compare unescaped
};

// Walks the members of the top-level object in `json` one at a time, so a
// caller that needs the first few stops early.
class TopLevelScanner {
 public:
  explicit TopLevelScanner(std::string_view json);
  // The next member in order of appearance; nullopt after the last (or when
  // `json` is not an object).
  std::optional<RawMember> next();

 private:
  std::string_view json_;
  std::size_t pos_;  // at the next member's opening quote, else past the end
};

// Members of the top-level object in `json`, in order of appearance.
std::vector<RawMember> scan_top_level(std::string_view json);

}  // namespace sy::api
