// scan_top_level on tricky but valid JSON: strings holding braces, quotes and
// escapes, nested containers, odd whitespace.
#include "api/json_scan.h"

#include <gtest/gtest.h>

#include <string>

namespace sy::api {
namespace {

std::string value_of(std::string_view json, const RawMember& m) {
  return std::string(json.substr(m.value_begin, m.value_end - m.value_begin));
}

TEST(JsonScan, SimpleMembers) {
  std::string_view j = R"({"a":1,"b":"two","c":true,"d":null,"e":-1.5e3})";
  auto m = scan_top_level(j);
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0].key, "a");
  EXPECT_EQ(value_of(j, m[0]), "1");
  EXPECT_EQ(value_of(j, m[1]), "\"two\"");
  EXPECT_EQ(value_of(j, m[2]), "true");
  EXPECT_EQ(value_of(j, m[3]), "null");
  EXPECT_EQ(value_of(j, m[4]), "-1.5e3");
  for (const auto& r : m) EXPECT_FALSE(r.key_has_escape);
}

TEST(JsonScan, StringsWithBracesQuotesAndEscapes) {
  std::string_view j = R"({"s":"}{][,:\"\\","t":"\\","u":"\\\"}"})";
  auto m = scan_top_level(j);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(value_of(j, m[0]), R"("}{][,:\"\\")");
  EXPECT_EQ(value_of(j, m[1]), R"("\\")");
  EXPECT_EQ(value_of(j, m[2]), R"("\\\"}")");
}

TEST(JsonScan, NestedContainers) {
  std::string_view j = R"({"a":[[1,[2,{"x":"]"}]],{}],"b":{"c":{"d":[{"}":"{"}]}},"e":[]})";
  auto m = scan_top_level(j);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(value_of(j, m[0]), R"([[1,[2,{"x":"]"}]],{}])");
  EXPECT_EQ(value_of(j, m[1]), R"({"c":{"d":[{"}":"{"}]}})");
  EXPECT_EQ(value_of(j, m[2]), "[]");
}

TEST(JsonScan, KeysWithEscapes) {
  std::string_view j = R"({"k\"q":1,"m\u006fdel":"x","plain":2})";
  auto m = scan_top_level(j);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].key, R"(k\"q)");
  EXPECT_TRUE(m[0].key_has_escape);
  EXPECT_EQ(m[1].key, R"(m\u006fdel)");
  EXPECT_TRUE(m[1].key_has_escape);
  EXPECT_FALSE(m[2].key_has_escape);
}

TEST(JsonScan, WhitespaceVariants) {
  std::string_view j = " \r\n\t{ \"a\" \n:\t 1 \r, \"b\":[ 1 , 2 ] ,\"c\" :\"x\"\n}\n";
  auto m = scan_top_level(j);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(value_of(j, m[0]), "1");
  EXPECT_EQ(value_of(j, m[1]), "[ 1 , 2 ]");
  EXPECT_EQ(value_of(j, m[2]), "\"x\"");
}

TEST(JsonScan, EmptyAndNonObjects) {
  EXPECT_TRUE(scan_top_level("{}").empty());
  EXPECT_TRUE(scan_top_level(" { } ").empty());
  EXPECT_TRUE(scan_top_level("[1,2]").empty());
  EXPECT_TRUE(scan_top_level("").empty());
  EXPECT_TRUE(scan_top_level("\"x\"").empty());
}

TEST(JsonScan, TruncatedInputStaysInBounds) {
  // Not valid JSON, but the scanner must not read past the end.
  for (std::string_view j : {R"({"a)", R"({"a":)", R"({"a":"x)", R"({"a":[1,{"b":)",
                             R"({"a":"\)", R"({"a" 1})"}) {
    for (const auto& m : scan_top_level(j)) {
      EXPECT_LE(m.value_begin, j.size());
      EXPECT_LE(m.value_end, j.size());
      EXPECT_LE(m.value_begin, m.value_end);
    }
  }
}

TEST(JsonScan, ScannerHandsOutOneMemberAtATime) {
  // Only what is asked for is scanned: the bytes after the second member are
  // never looked at (here they are not even JSON).
  std::string_view j = R"({"model":"m", "stream_options":{"a":"}"} , "tail": <not json)";
  TopLevelScanner scanner(j);
  auto first = scanner.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->key, "model");
  EXPECT_EQ(value_of(j, *first), R"("m")");
  auto second = scanner.next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->key, "stream_options");
  EXPECT_EQ(value_of(j, *second), R"({"a":"}"})");

  TopLevelScanner done(R"({"a":1})");
  EXPECT_TRUE(done.next().has_value());
  EXPECT_FALSE(done.next().has_value());
  EXPECT_FALSE(done.next().has_value());  // stays at the end
  EXPECT_FALSE(TopLevelScanner("[1]").next().has_value());
}

TEST(JsonScan, QuotesAfterBackslashRuns) {
  // A quote ends the string when an even number of backslashes precedes it.
  std::string_view j = R"({"a":"x\\\\","b":"\\\"\\\\\"","c":"\\\\\\\\\\\\"})";
  auto m = scan_top_level(j);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(value_of(j, m[0]), R"("x\\\\")");
  EXPECT_EQ(value_of(j, m[1]), R"("\\\"\\\\\"")");
  EXPECT_EQ(value_of(j, m[2]), R"("\\\\\\\\\\\\")");
}

}  // namespace
}  // namespace sy::api
