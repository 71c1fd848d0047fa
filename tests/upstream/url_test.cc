// parse_url: base URLs of upstream providers.
#include "upstream/url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sy::upstream {
namespace {

using ::testing::HasSubstr;

TEST(ParseUrl, HttpsDefaults) {
  auto u = parse_url("https://api.openai.com/v1");
  ASSERT_TRUE(u.has_value()) << u.error();
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "api.openai.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->base_path, "/v1");
  EXPECT_EQ(u->host_header, "api.openai.com");
  EXPECT_EQ(u->origin(), "https://api.openai.com:443");
}

TEST(ParseUrl, HttpWithPortAndTrailingSlashes) {
  auto u = parse_url("http://127.0.0.1:8000/v1//");
  ASSERT_TRUE(u.has_value()) << u.error();
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8000);
  EXPECT_EQ(u->base_path, "/v1");
  EXPECT_EQ(u->host_header, "127.0.0.1:8000");
  EXPECT_EQ(u->origin(), "http://127.0.0.1:8000");
}

TEST(ParseUrl, NoPath) {
  auto u = parse_url("http://localhost");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->base_path, "");
  EXPECT_EQ(u->host_header, "localhost");
  EXPECT_EQ(parse_url("https://x.example/")->base_path, "");
}

TEST(ParseUrl, ExplicitDefaultPortOmittedFromHostHeader) {
  auto u = parse_url("https://api.example.com:443/v1");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->host_header, "api.example.com");
  auto v = parse_url("http://api.example.com:443/v1");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->host_header, "api.example.com:443");
}

TEST(ParseUrl, Ipv6) {
  auto u = parse_url("http://[::1]:9000/openai");
  ASSERT_TRUE(u.has_value()) << u.error();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 9000);
  EXPECT_EQ(u->host_header, "[::1]:9000");
  EXPECT_EQ(u->base_path, "/openai");
}

TEST(ParseUrl, HighestPortAndLeadingZeros) {
  EXPECT_EQ(parse_url("http://x:65535/")->port, 65535);
  EXPECT_EQ(parse_url("http://x:00080/")->port, 80);
}

TEST(ParseUrl, DeepPathKept) {
  auto u = parse_url("https://r.example/openai/deployments/gpt4/");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->base_path, "/openai/deployments/gpt4");
}

TEST(ParseUrl, Rejections) {
  EXPECT_THAT(parse_url("").error(), HasSubstr("is not an absolute URL"));
  EXPECT_THAT(parse_url("api.openai.com/v1").error(), HasSubstr("is not an absolute URL"));
  EXPECT_THAT(parse_url("not a url").error(), HasSubstr("is not an absolute URL"));
  EXPECT_THAT(parse_url("ftp://x/v1").error(), HasSubstr("scheme must be http or https"));
  EXPECT_THAT(parse_url("http:///v1").error(), HasSubstr("has no host"));
  EXPECT_THAT(parse_url("http://x:0/").error(), HasSubstr("invalid port"));
  EXPECT_THAT(parse_url("https://x/v1?key=1").error(), HasSubstr("no query or fragment"));
  EXPECT_FALSE(parse_url("https://x/v1#frag").has_value());
  EXPECT_THAT(parse_url("http://x:99999/").error(), HasSubstr("invalid port"));
  EXPECT_THAT(parse_url("http://x:65536/").error(), HasSubstr("invalid port"));
  EXPECT_THAT(parse_url("http://x:/v1").error(), HasSubstr("invalid port"));
}

}  // namespace
}  // namespace sy::upstream
