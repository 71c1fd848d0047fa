// Pure route handlers: /health, /ready, /v1/models, 404 and 405 bodies.
#include "server/routes.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace sy::server {
namespace {

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& body) {
  simdjson::dom::element e;
  EXPECT_EQ(p.parse(body).get(e), simdjson::SUCCESS) << body;
  return e;
}

TEST(Routes, Health) {
  Response r = health();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"status":"ok"})");
}

TEST(Routes, ReadyStates) {
  Response starting = ready(/*listening=*/false, /*draining=*/false);
  EXPECT_EQ(starting.status, 503);
  EXPECT_EQ(starting.body, R"({"status":"starting"})");
  Response ok = ready(true, false);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"status":"ready"})");
  Response draining = ready(true, true);
  EXPECT_EQ(draining.status, 503);
  EXPECT_EQ(draining.body, R"({"status":"draining"})");
  EXPECT_EQ(ready(false, true).body, R"({"status":"draining"})");
}

TEST(Routes, ListModelsShape) {
  config::Config cfg;
  cfg.models.push_back({"gpt-4o", {{"openai", "gpt-4o"}, {"azure", "gpt4o-deploy"}}});
  cfg.models.push_back({"we\"ird", {{"local", "llama"}}});
  cfg.models.push_back({"orphan", {}});
  Response r = list_models(cfg, 1700000000);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  simdjson::dom::parser p;
  auto root = parse(p, r.body);
  EXPECT_EQ(std::string_view(root["object"].get_string().value()), "list");
  simdjson::dom::array data = root["data"].get_array().value();
  ASSERT_EQ(data.size(), 3u);
  auto first = data.at(0).value();
  EXPECT_EQ(std::string_view(first["id"].get_string().value()), "gpt-4o");
  EXPECT_EQ(std::string_view(first["object"].get_string().value()), "model");
  EXPECT_EQ(int64_t(first["created"].get_int64().value()), 1700000000);
  EXPECT_EQ(std::string_view(first["owned_by"].get_string().value()), "openai");
  EXPECT_EQ(std::string_view(data.at(1).value()["id"].get_string().value()), "we\"ird");
  EXPECT_EQ(std::string_view(data.at(2).value()["owned_by"].get_string().value()), "switchyard");
}

TEST(Routes, ListModelsEmpty) {
  config::Config cfg;
  EXPECT_EQ(list_models(cfg, 0).body, R"({"object":"list","data":[]})");
}

TEST(Routes, UnknownRoute404Body) {
  Response r = unknown_route("GET", "/v2/things");
  EXPECT_EQ(r.status, 404);
  simdjson::dom::parser p;
  auto root = parse(p, r.body);
  auto err = root["error"];
  EXPECT_EQ(std::string_view(err["message"].get_string().value()),
            "Unknown request URL: GET /v2/things. Please check the URL for typos.");
  EXPECT_EQ(std::string_view(err["type"].get_string().value()), "invalid_request_error");
  EXPECT_EQ(std::string_view(err["code"].get_string().value()), "unknown_url");
  EXPECT_TRUE(err["param"].is_null());
}

TEST(Routes, UnknownRouteTruncatesLongPathsAndEscapes) {
  std::string path = "/\"" + std::string(5000, 'a');
  Response r = unknown_route("POST", path);
  EXPECT_LT(r.body.size(), 600u);
  simdjson::dom::parser p;
  parse(p, r.body);
}

TEST(Routes, MethodNotAllowed) {
  Response r = method_not_allowed("DELETE", "/v1/chat/completions");
  EXPECT_EQ(r.status, 405);
  simdjson::dom::parser p;
  auto root = parse(p, r.body);
  EXPECT_EQ(std::string_view(root["error"]["code"].get_string().value()), "method_not_allowed");
}

}  // namespace
}  // namespace sy::server
