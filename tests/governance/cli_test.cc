#include "governance/cli.h"

#include <gtest/gtest.h>

#include <sstream>

#include "../store/temp_dir.h"
#include "governance/secret.h"
#include "store/sqlite/store.h"

namespace sy::governance {
namespace {

std::string run(const std::string& path, std::vector<std::string> args) {
  CLI::App app("switchyard");
  std::ostringstream out;
  add_keys_commands(
      app, [path] { return path; }, out);
  std::vector<const char*> argv{"switchyard"};
  for (auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return out.str();
}

std::string field(const std::string& text, const std::string& label) {
  const size_t at = text.find(label);
  if (at == std::string::npos) return {};
  const size_t begin = text.find_first_not_of(' ', at + label.size());
  return text.substr(begin, text.find('\n', begin) - begin);
}

TEST(Cli, KeyLifecycleAndUsage) {
  sy::testing::TempDir dir;
  const std::string path = dir.file("cli.db");
  const std::string created = run(path, {"keys", "create", "--name", "ops", "--models",
                                         "gpt-4o*,auto", "--rpm", "30", "--credits-usd", "5"});
  const std::string id = field(created, "id:");
  const std::string secret = field(created, "secret:");
  ASSERT_EQ(id.rfind("key_", 0), 0u) << created;
  ASSERT_EQ(secret.rfind("sk-sy-", 0), 0u) << created;

  const std::string listed = run(path, {"keys", "list"});
  EXPECT_NE(listed.find(id), std::string::npos);
  EXPECT_NE(listed.find("gpt-4o*,auto"), std::string::npos);
  EXPECT_NE(listed.find("5.000000"), std::string::npos);
  EXPECT_EQ(listed.find(secret), std::string::npos);

  EXPECT_NE(run(path, {"keys", "topup", id, "2.5"}).find("7.500000"), std::string::npos);
  EXPECT_NE(run(path, {"keys", "revoke", id}).find("revoked"), std::string::npos);
  EXPECT_NE(run(path, {"keys", "list"}).find("revoked"), std::string::npos);
  EXPECT_THROW(run(path, {"keys", "revoke", "key_nope"}), CLI::RuntimeError);
  EXPECT_THROW(run(path, {"keys", "create", "--budget-period", "hourly"}), CLI::RuntimeError);

  {
    store::sqlite::SqliteOptions options;
    options.path = path;
    auto store = store::sqlite::open_sqlite_store(options);
    ASSERT_TRUE(store.has_value());
    auto stored = store->keys->get(id);
    EXPECT_EQ(stored->key_hash, sha256(secret));
    for (int i = 0; i < 4; ++i) {
      store::LedgerRow r;
      r.time_ms = 1'700'000'000'000 + i;
      r.request_id = "r" + std::to_string(i);
      r.key_id = id;
      r.requested_model = "gpt-4o";
      r.provider = "openai";
      r.status = 200;
      r.prompt_tokens = 10;
      r.cost = 250'000;
      store->ledger->append(r);
    }
  }  // graceful close commits the rows
  const std::string usage = run(path, {"usage", "--group-by", "model"});
  EXPECT_NE(usage.find("gpt-4o"), std::string::npos) << usage;
  EXPECT_NE(usage.find("TOTAL"), std::string::npos);
  EXPECT_NE(usage.find("1.000000"), std::string::npos) << usage;
  EXPECT_THROW(run(path, {"usage", "--group-by", "colour"}), CLI::RuntimeError);
}

}  // namespace
}  // namespace sy::governance
