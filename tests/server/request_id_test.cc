// Request ids: which client ids are kept, and the shape of generated ones.
#include "server/request_id.h"

#include <gtest/gtest.h>

#include <set>
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

}  // namespace
}  // namespace sy::server
