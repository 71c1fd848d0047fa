// Test helpers for the Anthropic adapter: fixture loading, JSON
// normalisation (compact, key order kept) and a fixed-clock IdSource.
#pragma once

#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "providers/chat_output.h"

namespace sy::providers::anthropic::testing {

inline std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(SWITCHYARD_TEST_DATA_DIR) + "/anthropic/fixtures/" + name,
                   std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Compact JSON text of `json` (throws on invalid JSON, failing the test).
inline std::string normalize(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element e = parser.parse(json);
  return simdjson::minify(e);
}

class FixedIds : public IdSource {
 public:
  std::string completion_id() const override { return "chatcmpl-test"; }
  std::string tool_call_id() const override { return "call_test"; }
  int64_t now_seconds() const override { return 1700000000; }
};

}  // namespace sy::providers::anthropic::testing
