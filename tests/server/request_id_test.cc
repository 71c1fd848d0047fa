// Request ids: which client ids are kept, and the shape of generated ones.
#include "server/request_id.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>
#include <string>

namespace sy::server {
namespace {

TEST(RequestId, AcceptsSaneIds) {
  EXPECT_TRUE(acceptable_request_id("abc-123"));
  EXPECT_TRUE(acceptable_request_id("req_01:ABC.def"));
  EXPECT_TRUE(acceptable_request_id(std::string(128, 'a')));
}

TEST(RequestId, RejectsOthers) {
  EXPECT_FALSE(acceptable_request_id(""));
  EXPECT_FALSE(acceptable_request_id(std::string(129, 'a')));
  EXPECT_FALSE(acceptable_request_id("has space"));
  EXPECT_FALSE(acceptable_request_id("new\nline"));
  EXPECT_FALSE(acceptable_request_id("quote\""));
  EXPECT_FALSE(acceptable_request_id("ü"));
  EXPECT_FALSE(acceptable_request_id(std::string_view("a\0b", 3)));
}

TEST(RequestId, GeneratedIdsAreHexAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = new_request_id();
    ASSERT_EQ(id.size(), 32u);
    for (char c : id) ASSERT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
    EXPECT_TRUE(acceptable_request_id(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RequestId, GeneratedIdsStartWithTheTimeSoTheySortByIt) {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const std::string first = new_request_id();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const std::string second = new_request_id();
  EXPECT_LT(first, second);
  const int64_t stamped = std::stoll(first.substr(0, 12), nullptr, 16);
  EXPECT_GE(stamped, now_ms);
  EXPECT_LT(stamped, now_ms + 1000);
}

}  // namespace
}  // namespace sy::server
