#include "governance/admin.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "fixture.h"
#include "governance/authenticate.h"
#include "governance/secret.h"

namespace sy::governance {
namespace {

using testing::Gateway;

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  EXPECT_FALSE(d.HasParseError()) << body;
  return d;
}

std::string header(const AdminResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

TEST(Admin, WithoutTheMasterKeyEverythingIs401) {
  Gateway gw;
  for (const char* auth : {"", "Bearer wrong", "Bearer admin-secret-12", "Basic admin-secret-123",
                           "Bearer admin-secret-1234"}) {
    for (const char* path : {"/admin/keys", "/admin/nothing-here", "/admin/keys/key_x"}) {
      AdminResponse r = gw.call("GET", path, "", "", auth);
      EXPECT_EQ(r.status, 401) << auth << " " << path;
      EXPECT_EQ(r.body, parse(r.body).IsObject() ? r.body : "");
      EXPECT_EQ(r.body.find("key_"), std::string::npos);
      EXPECT_NE(r.body.find("invalid_api_key"), std::string::npos);
    }
  }
  // An empty configured admin key disables the API.
  gw.admin->admin_key.clear();
  EXPECT_EQ(gw.call("GET", "/admin/keys", "", "", "Bearer ").status, 401);
}

TEST(Admin, KeyLifecycle) {
  Gateway gw;
  AdminResponse created = gw.call("POST", "/admin/keys",
                                  R"({"name":"team-a","models":["gpt-4o*","auto"],"rpm":60,)"
                                  R"("tpm":10000,"max_parallel":4,"budget_usd":12.5,)"
                                  R"("budget_period":"monthly","metadata":{"team":"a"}})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(header(created, "content-type"), "application/json");
  auto doc = parse(created.body);
  const std::string id = doc["id"].GetString();
  const std::string secret = doc["key"].GetString();
  EXPECT_EQ(secret.rfind("sk-sy-", 0), 0u);
  EXPECT_EQ(secret.size(), 6u + 43u);
  EXPECT_EQ(doc["name"], "team-a");
  EXPECT_EQ(doc["rpm"].GetInt(), 60);
  EXPECT_EQ(doc["budget_usd"].GetDouble(), 12.5);
  EXPECT_EQ(doc["budget_period"], "monthly");
  EXPECT_TRUE(doc["credits_usd"].IsNull());
  EXPECT_EQ(doc["spent_usd"].GetDouble(), 0);
  EXPECT_FALSE(doc["revoked"].GetBool());
  EXPECT_EQ(doc["metadata"]["team"], "a");

  // Stored only as its hash; the secret never appears again.
  auto stored = gw.store.keys->get(id);
  EXPECT_EQ(stored->key_hash, sha256(secret));
  AdminResponse got = gw.call("GET", "/admin/keys/" + id);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body.find(secret), std::string::npos);
  EXPECT_FALSE(parse(got.body).HasMember("key"));
  AdminResponse listed = gw.call("GET", "/admin/keys");
  EXPECT_EQ(listed.status, 200);
  EXPECT_EQ(parse(listed.body)["data"].Size(), 1u);
  EXPECT_EQ(listed.body.find(secret), std::string::npos);

  // The new key works immediately.
  EXPECT_TRUE(authenticate(gw.registry.snapshot(), "Bearer " + secret, gw.clock.now_ms()));

  AdminResponse patched =
      gw.call("PATCH", "/admin/keys/" + id, R"({"rpm":5,"budget_usd":null,"models":[]})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  auto p = parse(patched.body);
  EXPECT_EQ(p["rpm"].GetInt(), 5);
  EXPECT_TRUE(p["budget_usd"].IsNull());
  EXPECT_EQ(p["name"], "team-a");  // untouched
  EXPECT_EQ(gw.registry.snapshot()->find_by_id(id)->rpm, 5);

  AdminResponse topped =
      gw.call("POST", "/admin/keys/" + id + "/credits", R"({"amount_usd":3.25})");
  ASSERT_EQ(topped.status, 200) << topped.body;
  EXPECT_EQ(parse(topped.body)["credits_usd"].GetDouble(), 3.25);
  topped = gw.call("POST", "/admin/keys/" + id + "/credits", R"({"amount_usd":1})");
  EXPECT_EQ(parse(topped.body)["credits_usd"].GetDouble(), 4.25);

  AdminResponse revoked = gw.call("DELETE", "/admin/keys/" + id);
  ASSERT_EQ(revoked.status, 200);
  EXPECT_TRUE(parse(revoked.body)["revoked"].GetBool());
  auto auth = authenticate(gw.registry.snapshot(), "Bearer " + secret, gw.clock.now_ms());
  ASSERT_FALSE(auth);
  EXPECT_EQ(auth.error().status, 401);
}

TEST(Admin, PrepaidKeyAndErrors) {
  Gateway gw;
  AdminResponse created = gw.call("POST", "/admin/keys", R"({"name":"p","credits_usd":2})");
  ASSERT_EQ(created.status, 201);
  auto doc = parse(created.body);
  EXPECT_EQ(doc["credits_usd"].GetDouble(), 2.0);
  const std::string id = doc["id"].GetString();

  EXPECT_EQ(gw.call("GET", "/admin/keys/key_missing").status, 404);
  EXPECT_EQ(gw.call("DELETE", "/admin/keys/key_missing").status, 404);
  EXPECT_EQ(gw.call("POST", "/admin/keys/key_missing/credits", R"({"amount_usd":1})").status, 404);
  EXPECT_EQ(gw.call("PUT", "/admin/keys").status, 405);
  EXPECT_EQ(gw.call("GET", "/admin/other").status, 404);

  struct Case {
    const char* body;
    const char* param;
  };
  for (const Case& c :
       {Case{R"({"rpm":"10"})", "rpm"}, Case{R"({"rpm":-1})", "rpm"}, Case{R"({"tpm":1.5})", "tpm"},
        Case{R"({"models":"gpt-4o"})", "models"}, Case{R"({"models":[1]})", "models"},
        Case{R"({"budget_usd":"5"})", "budget_usd"}, Case{R"({"budget_usd":-5})", "budget_usd"},
        Case{R"({"budget_period":"hourly"})", "budget_period"},
        Case{R"({"expires_at":"tomorrow"})", "expires_at"}, Case{R"({"metadata":[1]})", "metadata"},
        Case{R"({"name":7})", "name"}, Case{R"({"colour":"red"})", "colour"}}) {
    AdminResponse r = gw.call("POST", "/admin/keys", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(std::string(parse(r.body)["error"]["param"].GetString()), c.param) << c.body;
  }
  EXPECT_EQ(gw.call("POST", "/admin/keys", "not json").status, 400);
  EXPECT_EQ(gw.call("PATCH", "/admin/keys/" + id, R"({"credits_usd":5})").status, 400);
  for (const char* body :
       {R"({"amount_usd":0})", R"({"amount_usd":"1"})", R"({})", R"({"amount_usd":1,"x":2})"}) {
    EXPECT_EQ(gw.call("POST", "/admin/keys/" + id + "/credits", body).status, 400) << body;
  }
  EXPECT_EQ(gw.call("POST", "/admin/keys", std::string(kMaxAdminBodyBytes + 1, ' ')).status, 413);
}

TEST(Admin, UsageReportMatchesTheLedger) {
  Gateway gw;
  const int64_t day = 86'400'000;
  const int64_t base = 19'800 * day;  // 2024-03-18
  store::Micros cost = 0;
  for (int i = 0; i < 50; ++i) {
    store::LedgerRow r;
    r.time_ms = base + (i % 2) * day + i;
    r.request_id = "req-" + std::to_string(i);
    r.key_id = i % 3 ? "key_a" : "key_b";
    r.requested_model = i % 2 ? "gpt-4o" : "auto";
    r.provider = "openai";
    r.status = i % 10 == 0 ? 429 : 200;
    r.prompt_tokens = 100 + i;
    r.completion_tokens = 10;
    r.cost = 1234 + i;
    cost += r.cost;
    gw.store.ledger->append(r);
  }
  ASSERT_TRUE(gw.store.ledger->flush().has_value());
  AdminResponse r = gw.call("GET", "/admin/usage", "", "group_by=day");
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = parse(r.body);
  ASSERT_EQ(doc["data"].Size(), 2u);
  EXPECT_EQ(std::string(doc["data"][0]["group"].GetString()), "2024-03-18");
  EXPECT_EQ(doc["total"]["requests"].GetInt(), 50);
  EXPECT_EQ(doc["total"]["errors"].GetInt(), 5);
  EXPECT_EQ(doc["total"]["cost_micros"].GetInt64(), cost);
  EXPECT_EQ(doc["data"][0]["cost_micros"].GetInt64() + doc["data"][1]["cost_micros"].GetInt64(),
            cost);

  AdminResponse one_day =
      gw.call("GET", "/admin/usage", "", "from=2024-03-19&to=2024-03-20&group_by=key");
  ASSERT_EQ(one_day.status, 200);
  EXPECT_EQ(parse(one_day.body)["total"]["requests"].GetInt(), 25);
  EXPECT_EQ(gw.call("GET", "/admin/usage", "", "group_by=colour").status, 400);
  EXPECT_EQ(gw.call("GET", "/admin/usage", "", "from=yesterday").status, 400);
}

TEST(Admin, LogsNeverContainKeyMaterial) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  spdlog::set_level(spdlog::level::trace);
  std::string secret, hash_hex;
  {
    Gateway gw;
    auto r = gw.call("POST", "/admin/keys", R"({"name":"logged","credits_usd":1})");
    secret = parse(r.body)["key"].GetString();
    const std::string id = parse(r.body)["id"].GetString();
    gw.call("POST", "/admin/keys/" + id + "/credits", R"({"amount_usd":1})");
    gw.call("PATCH", "/admin/keys/" + id, R"({"rpm":1})");
    gw.call("DELETE", "/admin/keys/" + id);
    gw.call("GET", "/admin/keys", "", "", "Bearer " + secret);  // wrong credential
    authenticate(gw.registry.snapshot(), "Bearer " + secret, 0);
    for (unsigned char c : sha256(secret)) hash_hex += fmt::format("{:02x}", c);
  }
  spdlog::set_default_logger(previous);
  const std::string logs = captured.str();
  EXPECT_NE(logs.find("created key"), std::string::npos);  // the capture works
  EXPECT_EQ(logs.find(secret), std::string::npos);
  EXPECT_EQ(logs.find(secret.substr(6, 12)), std::string::npos);
  EXPECT_EQ(logs.find(hash_hex), std::string::npos);
  EXPECT_EQ(logs.find(testing::kAdminKey), std::string::npos);
}

}  // namespace
}  // namespace sy::governance
