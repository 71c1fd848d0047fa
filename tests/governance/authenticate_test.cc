#include "governance/authenticate.h"

#include <gtest/gtest.h>

#include <set>

#include "governance/secret.h"

namespace sy::governance {
namespace {

store::KeyRecord record(std::string id, const std::string& secret) {
  store::KeyRecord r;
  r.id = std::move(id);
  r.key_hash = sha256(secret);
  return r;
}

TEST(Secret, FormatAndUniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto s = generate_secret();
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->rfind("sk-sy-", 0), 0u);
    EXPECT_EQ(s->size(), 6u + 43u);  // 256 bits in base62, padded to 43 digits
    for (char c : s->substr(6)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
    seen.insert(*s);
  }
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_EQ(display_prefix("sk-sy-Abcdefgh"), "sk-sy-Abcd\u2026");
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(Authenticate, Statuses) {
  const int64_t now = 1'000'000;
  std::vector<store::KeyRecord> records;
  records.push_back(record("good", "sk-sy-good"));
  records.push_back(record("revoked", "sk-sy-revoked"));
  records.back().revoked = true;
  records.push_back(record("expired", "sk-sy-expired"));
  records.back().expires_at_ms = now;
  records.push_back(record("later", "sk-sy-later"));
  records.back().expires_at_ms = now + 1;
  auto table = std::make_shared<const KeyTable>(std::move(records));

  auto ok = authenticate(table, "Bearer sk-sy-good", now);
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)->id, "good");
  EXPECT_TRUE(authenticate(table, "bearer  sk-sy-later ", now));
  struct Case {
    const char* header;
    const char* message_part;
  };
  for (const Case& c :
       {Case{"", "didn't provide"}, Case{"Bearer", "didn't provide"},
        Case{"Basic sk-sy-good", "didn't provide"}, Case{"Bearer sk-sy-unknown", "Incorrect"},
        Case{"Bearer sk-sy-revoked", "revoked"}, Case{"Bearer sk-sy-expired", "expired"}}) {
    auto r = authenticate(table, c.header, now);
    ASSERT_FALSE(r) << c.header;
    EXPECT_EQ(r.error().status, 401);
    EXPECT_EQ(r.error().code, "invalid_api_key");
    EXPECT_NE(r.error().message.find(c.message_part), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("sk-sy-"), std::string::npos);
  }
  EXPECT_FALSE(authenticate(table, "Bearer " + std::string(10'000, 'x'), now));
  // The record outlives a newer snapshot.
  std::shared_ptr<const store::KeyRecord> held = *ok;
  table.reset();
  EXPECT_EQ(held->id, "good");
}

TEST(Authenticate, RegistrySwapsSnapshots) {
  KeyRegistry registry;
  EXPECT_FALSE(authenticate(registry.snapshot(), "Bearer sk-sy-a", 0));
  registry.publish(
      std::make_shared<const KeyTable>(std::vector<store::KeyRecord>{record("a", "sk-sy-a")}));
  EXPECT_TRUE(authenticate(registry.snapshot(), "Bearer sk-sy-a", 0));
}

TEST(ModelAccess, NamesAndGlobs) {
  store::KeyRecord key;
  EXPECT_TRUE(model_allowed(key, "anything"));  // empty list: every model
  key.models = {"gpt-4o*", "auto", "claude-?-haiku"};
  EXPECT_TRUE(model_allowed(key, "gpt-4o"));
  EXPECT_TRUE(model_allowed(key, "gpt-4o-mini"));
  EXPECT_TRUE(model_allowed(key, "auto"));
  EXPECT_TRUE(model_allowed(key, "claude-3-haiku"));
  EXPECT_FALSE(model_allowed(key, "auto:cheap"));
  EXPECT_FALSE(model_allowed(key, "gpt-4"));
  key.models.push_back("auto:*");
  EXPECT_TRUE(model_allowed(key, "auto:cheap"));
  auto denied = check_model(key, "o1-preview");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().status, 403);
  EXPECT_NE(denied.error().message.find("`o1-preview`"), std::string::npos);
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a*b*c", "axxbyyc"));
  EXPECT_FALSE(glob_match("a*b*c", "axxbyy"));
  EXPECT_TRUE(glob_match("**x", "x"));
}

}  // namespace
}  // namespace sy::governance
