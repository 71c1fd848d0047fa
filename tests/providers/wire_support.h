// Test helpers shared by the Gemini, Bedrock and Azure adapter tests:
// fixture loading, deterministic ids, request parsing and JSON comparison.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <string>

#include "api/request.h"
#include "providers/chat_output.h"

namespace sy::providers::testing {

inline std::string read_fixture(const std::string& relative) {
  std::ifstream in(std::string(SWITCHYARD_TEST_DATA_DIR) + "/" + relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << relative;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// chatcmpl-test, call_1, call_2, ...; created = 1700000000.
class FixedIds : public IdSource {
 public:
  std::string completion_id() const override { return "chatcmpl-test"; }
  std::string tool_call_id() const override { return "call_" + std::to_string(++n_); }
  int64_t now_seconds() const override { return 1700000000; }

 private:
  mutable std::atomic<int> n_{0};
};

inline api::Request parse_chat(std::string body) {
  auto r = api::parse_request(api::Endpoint::kChatCompletions, std::move(body));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return std::move(r).value();
}

// Both texts parsed and re-serialized compactly (key order matters).
inline std::string canonical_json(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.parse(text).get(e) != simdjson::SUCCESS) return "<invalid JSON> " + text;
  return simdjson::minify(e);
}

}  // namespace sy::providers::testing
