#include "policy/request.h"

#include <gtest/gtest.h>

namespace sy::policy {
namespace {

struct Parsed {
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  explicit Parsed(const std::string& json) { root = parser.parse(json).get_object().value(); }
};

TEST(Requirements, ReadsImagesAudioToolsAndSchema) {
  Parsed plain(R"({"messages":[{"role":"user","content":"hi"}]})");
  Requirements r = requirements_of(plain.root, std::nullopt);
  EXPECT_FALSE(r.vision || r.audio || r.tools || r.json_schema);
  Parsed rich(R"({"messages":[{"role":"user","content":[{"type":"text","text":"x"},
      {"type":"image_url","image_url":{"url":"https://x/y.png"}},
      {"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}],
      "tools":[{"type":"function","function":{"name":"f"}}],
      "response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{}}}})");
  r = requirements_of(rich.root, 300);
  EXPECT_TRUE(r.vision);
  EXPECT_TRUE(r.audio);
  EXPECT_TRUE(r.tools);
  EXPECT_TRUE(r.json_schema);
  EXPECT_EQ(r.max_tokens, 300);
  Parsed loose(R"({"messages":[{"role":"user","content":"hi"}],"tools":[],
      "response_format":{"type":"json_object"}})");
  r = requirements_of(loose.root, std::nullopt);
  EXPECT_FALSE(r.tools);
  EXPECT_FALSE(r.json_schema);
}

TEST(Constraints, FromHeaders) {
  Parsed body(R"({"messages":[]})");
  ConstraintHeaders h{"0.01", "800", "local", "standard"};
  auto c = constraints_of(body.root, h);
  ASSERT_TRUE(c.has_value());
  EXPECT_DOUBLE_EQ(*c->max_cost_usd, 0.01);
  EXPECT_DOUBLE_EQ(*c->max_latency_ms, 800);
  EXPECT_TRUE(c->local_only);
  EXPECT_EQ(c->tier, "standard");
  EXPECT_EQ(c->tier_source, "x-switchyard-tier");
}

TEST(Constraints, BodyRouteWinsOverHeaders) {
  Parsed body(R"({"messages":[],"route":{"max_cost_usd":0.5,"max_latency_ms":100,
      "privacy":"any","tier":"mini"}})");
  ConstraintHeaders h{"0.01", "", "local", "standard"};
  auto c = constraints_of(body.root, h);
  ASSERT_TRUE(c.has_value());
  EXPECT_DOUBLE_EQ(*c->max_cost_usd, 0.5);
  EXPECT_EQ(c->max_cost_source, "route.max_cost_usd");
  EXPECT_FALSE(c->local_only);
  EXPECT_EQ(c->tier, "mini");
  Parsed none(R"({"messages":[],"route":null})");
  EXPECT_TRUE(constraints_of(none.root, {}).has_value());
}

void expect_bad(const std::string& json, const ConstraintHeaders& h, const std::string& param) {
  Parsed body(json);
  auto c = constraints_of(body.root, h);
  ASSERT_FALSE(c.has_value()) << json;
  EXPECT_EQ(c.error().status, 400);
  EXPECT_EQ(c.error().type, "invalid_request_error");
  EXPECT_EQ(c.error().param, param);
  EXPECT_NE(c.error().message.find(param), std::string::npos) << c.error().message;
}

TEST(Constraints, BadValuesNameTheField) {
  const std::string empty = R"({"messages":[]})";
  expect_bad(empty, {"cheap", "", "", ""}, "x-switchyard-max-cost-usd");
  expect_bad(empty, {"-1", "", "", ""}, "x-switchyard-max-cost-usd");
  expect_bad(empty, {"", "0", "", ""}, "x-switchyard-max-latency-ms");
  expect_bad(empty, {"", "12abc", "", ""}, "x-switchyard-max-latency-ms");
  expect_bad(empty, {"", "", "cloud", ""}, "x-switchyard-privacy");
  expect_bad(R"({"route":"local"})", {}, "route");
  expect_bad(R"({"route":{"max_cost_usd":"0.1"}})", {}, "route.max_cost_usd");
  expect_bad(R"({"route":{"max_latency_ms":-5}})", {}, "route.max_latency_ms");
  expect_bad(R"({"route":{"privacy":true}})", {}, "route.privacy");
  expect_bad(R"({"route":{"tier":""}})", {}, "route.tier");
  expect_bad(R"({"route":{"budget":1}})", {}, "route.budget");
}

}  // namespace
}  // namespace sy::policy
