// Config loading: a full valid file, and every kind of error reported with
// file:line:col and the key path; ${VAR} interpolation; embedded_default().
#include "config/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

namespace sy::config {
namespace {

using ::testing::HasSubstr;

// Sets (or unsets, for nullopt) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

constexpr const char* kFull = R"(# A complete configuration.
listen: 0.0.0.0:9090
workers: 4
log_level: debug
limits:
  max_body_bytes: 2MiB
  max_header_bytes: 32KiB
  header_timeout: 5s
  body_timeout: 1500
  idle_timeout: 2m
  write_timeout: 250ms
  max_connections: 500
upstream:
  connect_timeout: 3s
  first_byte_timeout: 30s
  total_timeout: 5m
  stream_idle_timeout: 90s
  max_response_bytes: 1GiB
  max_idle_per_origin: 8
  pool_idle_timeout: 45s
shutdown:
  drain_timeout: 10s
providers:
  openai:
    type: openai
    base_url: https://api.openai.com/v1
    api_key: ${SY_TEST_KEY}
    headers:
      openai-organization: org-42
  local:
    type: openai
    base_url: http://127.0.0.1:8000/v1/
  claude:
    type: anthropic
    base_url: https://api.anthropic.com
    api_key: ${SY_TEST_UNSET_VAR:-fallback-key}
    api_version: "2023-06-01"
  aws:
    type: bedrock
    base_url: https://bedrock-runtime.us-east-1.amazonaws.com
    region: us-east-1
    access_key_id: AKIA
    secret_access_key: secret
    session_token: tok
models:
  - name: gpt-4o
    deployments:
      - provider: openai
      - provider: local
        model: llama-3.1-70b
  - name: claude
    deployments:
      - provider: claude
        model: claude-3-5-sonnet-latest
)";

TEST(LoadConfig, FullValidFile) {
  ScopedEnv key("SY_TEST_KEY", "sk-secret");
  ScopedEnv unset("SY_TEST_UNSET_VAR", std::nullopt);
  auto r = load_from_string(kFull, "full.yaml");
  ASSERT_TRUE(r.has_value()) << r.error();
  const Config& c = *r;
  EXPECT_EQ(c.source, "full.yaml");
  EXPECT_EQ(c.listen.host, "0.0.0.0");
  EXPECT_EQ(c.listen.port, 9090);
  EXPECT_EQ(c.workers, 4);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.limits.max_body_bytes, 2u << 20);
  EXPECT_EQ(c.limits.max_header_bytes, 32u << 10);
  EXPECT_EQ(c.limits.header_timeout, Millis(5000));
  EXPECT_EQ(c.limits.body_timeout, Millis(1500));
  EXPECT_EQ(c.limits.idle_timeout, Millis(120'000));
  EXPECT_EQ(c.limits.write_timeout, Millis(250));
  EXPECT_EQ(c.limits.max_connections, 500);
  EXPECT_EQ(c.upstream.connect_timeout, Millis(3000));
  EXPECT_EQ(c.upstream.first_byte_timeout, Millis(30'000));
  EXPECT_EQ(c.upstream.total_timeout, Millis(300'000));
  EXPECT_EQ(c.upstream.stream_idle_timeout, Millis(90'000));
  EXPECT_EQ(c.upstream.max_response_bytes, std::size_t{1} << 30);
  EXPECT_EQ(c.upstream.max_idle_per_origin, 8);
  EXPECT_EQ(c.upstream.pool_idle_timeout, Millis(45'000));
  EXPECT_EQ(c.drain_timeout, Millis(10'000));
  ASSERT_EQ(c.providers.size(), 4u);
  const auto& openai = c.providers.at("openai");
  EXPECT_EQ(openai.name, "openai");
  EXPECT_EQ(openai.type, "openai");
  EXPECT_TRUE(openai.base.tls);
  EXPECT_EQ(openai.base.host, "api.openai.com");
  EXPECT_EQ(openai.base.base_path, "/v1");
  EXPECT_EQ(openai.api_key, "sk-secret");
  ASSERT_EQ(openai.headers.size(), 1u);
  EXPECT_EQ(openai.headers[0].first, "openai-organization");
  EXPECT_EQ(openai.headers[0].second, "org-42");
  EXPECT_EQ(c.providers.at("local").base.port, 8000);
  EXPECT_EQ(c.providers.at("local").base.base_path, "/v1");
  EXPECT_EQ(c.providers.at("claude").api_key, "fallback-key");
  EXPECT_EQ(c.providers.at("claude").api_version, "2023-06-01");
  EXPECT_EQ(c.providers.at("aws").region, "us-east-1");
  EXPECT_EQ(c.providers.at("aws").session_token, "tok");
  ASSERT_EQ(c.models.size(), 2u);
  const ModelGroup* g = c.find_model("gpt-4o");
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->deployments.size(), 2u);
  EXPECT_EQ(g->deployments[0].provider, "openai");
  EXPECT_EQ(g->deployments[0].model, "gpt-4o");  // defaults to the group name
  EXPECT_EQ(g->deployments[1].model, "llama-3.1-70b");
  EXPECT_EQ(c.find_model("nope"), nullptr);
  EXPECT_FALSE(c.embedded_emulator);
}

TEST(LoadConfig, MinimalFileKeepsDefaults) {
  auto r = load_from_string("listen: 127.0.0.1:0\n", "min.yaml");
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->listen.port, 0);
  EXPECT_EQ(r->limits.max_body_bytes, 8u << 20);
  EXPECT_EQ(r->upstream.connect_timeout, Millis(5000));
  EXPECT_TRUE(r->models.empty());
}

TEST(LoadConfig, Ipv6Listen) {
  auto r = load_from_string("listen: \"[::1]:8080\"\n", "v6.yaml");
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->listen.host, "::1");
  EXPECT_EQ(r->listen.port, 8080);
}

// Loads `yaml`, expects failure, returns the message.
std::string error_of(const std::string& yaml) {
  auto r = load_from_string(yaml, "t.yaml");
  EXPECT_FALSE(r.has_value()) << "accepted:\n" << yaml;
  return r ? std::string() : r.error();
}

TEST(ConfigErrors, EmptyAndInvalidYaml) {
  EXPECT_THAT(error_of(""), HasSubstr("t.yaml: the configuration is empty"));
  EXPECT_THAT(error_of("listen: [1, 2\n"), HasSubstr("t.yaml:"));
  EXPECT_THAT(error_of("listen: [1, 2\n"), HasSubstr("invalid YAML"));
  EXPECT_THAT(error_of("- a\n- b\n"), HasSubstr("t.yaml:1:1: : expected a mapping"));
}

TEST(ConfigErrors, UnknownKeyAtTopLevel) {
  EXPECT_THAT(error_of("listen: 127.0.0.1:1\nlisten_port: 5\n"),
              HasSubstr("t.yaml:2:1: listen_port: unknown key 'listen_port'"));
}

TEST(ConfigErrors, UnknownKeyInLimitsAndUpstreamAndShutdown) {
  EXPECT_THAT(error_of("limits:\n  max_body: 5\n"),
              HasSubstr("t.yaml:2:3: limits.max_body: unknown key 'max_body'"));
  EXPECT_THAT(error_of("upstream:\n  connect_timeout: 1s\n  retries: 3\n"),
              HasSubstr("t.yaml:3:3: upstream.retries: unknown key"));
  EXPECT_THAT(error_of("shutdown:\n  grace: 1s\n"),
              HasSubstr("t.yaml:2:3: shutdown.grace: unknown key"));
}

TEST(ConfigErrors, UnknownKeyInProvider) {
  std::string yaml =
      "providers:\n  p:\n    type: openai\n    base_url: http://x\n    apikey: k\n";
  EXPECT_THAT(error_of(yaml), HasSubstr("t.yaml:5:5: providers.p.apikey: unknown key 'apikey'"));
}

TEST(ConfigErrors, UnknownKeyInModelAndDeployment) {
  std::string base = "providers:\n  p:\n    type: openai\n    base_url: http://x\n";
  EXPECT_THAT(error_of(base + "models:\n  - name: m\n    alias: x\n    deployments:\n      - provider: p\n"),
              HasSubstr("t.yaml:7:5: models[0].alias: unknown key"));
  EXPECT_THAT(error_of(base + "models:\n  - name: m\n    deployments:\n      - provider: p\n        wieght: 2\n"),
              HasSubstr("t.yaml:9:9: models[0].deployments[0].wieght: unknown key"));
}

TEST(ConfigErrors, WrongTypes) {
  EXPECT_THAT(error_of("workers: many\n"),
              HasSubstr("t.yaml:1:10: workers: expected an integer, got 'many'"));
  EXPECT_THAT(error_of("workers: 5000\n"), HasSubstr("workers: expected an integer from 0 to 1024"));
  EXPECT_THAT(error_of("workers: [1]\n"), HasSubstr("t.yaml:1:10: workers: expected a single value"));
  EXPECT_THAT(error_of("limits: 5\n"), HasSubstr("t.yaml:1:9: limits: expected a mapping"));
  EXPECT_THAT(error_of("log_level: loud\n"), HasSubstr("t.yaml:1:12: log_level: expected trace"));
  EXPECT_THAT(error_of("listen: 8080\n"), HasSubstr("t.yaml:1:9: listen: expected host:port"));
  EXPECT_THAT(error_of("listen: localhost:99999\n"), HasSubstr("listen: expected host:port with a port"));
  EXPECT_THAT(error_of("providers: [a]\n"), HasSubstr("t.yaml:1:12: providers: expected a mapping"));
  EXPECT_THAT(error_of("models: {a: 1}\n"), HasSubstr("t.yaml:1:9: models: expected a list"));
  EXPECT_THAT(error_of("limits:\n  max_connections: 0\n"),
              HasSubstr("t.yaml:2:20: limits.max_connections: expected an integer from 1"));
}

TEST(ConfigErrors, ProviderTypeAndMissingKeys) {
  EXPECT_THAT(error_of("providers:\n  p:\n    type: soap\n    base_url: http://x\n"),
              HasSubstr("t.yaml:3:11: providers.p.type: unknown wire format 'soap'"));
  EXPECT_THAT(error_of("providers:\n  p:\n    base_url: http://x\n"),
              HasSubstr("t.yaml:3:5: providers.p: missing required key 'type'"));
  EXPECT_THAT(error_of("providers:\n  p:\n    type: openai\n"),
              HasSubstr("t.yaml:3:5: providers.p: missing required key 'base_url'"));
  EXPECT_THAT(error_of("providers:\n  p:\n    type: openai\n    base_url: http://x\n    headers: [a]\n"),
              HasSubstr("t.yaml:5:14: providers.p.headers: expected a mapping"));
}

TEST(ConfigErrors, BadUrl) {
  EXPECT_THAT(error_of("providers:\n  p:\n    type: openai\n    base_url: not a url\n"),
              HasSubstr("t.yaml:4:15: providers.p.base_url: 'not a url' is not an absolute URL"));
  EXPECT_THAT(error_of("providers:\n  p:\n    type: openai\n    base_url: ftp://x/v1\n"),
              HasSubstr("t.yaml:4:15: providers.p.base_url: 'ftp://x/v1': scheme must be http"));
}

TEST(ConfigErrors, BadDurationAndSizeUnits) {
  EXPECT_THAT(error_of("limits:\n  header_timeout: 5h\n"),
              HasSubstr("t.yaml:2:19: limits.header_timeout: expected a duration such as 1500, "
                        "250ms, 5s or 2m, got '5h'"));
  EXPECT_THAT(error_of("upstream:\n  total_timeout: -5s\n"),
              HasSubstr("t.yaml:2:18: upstream.total_timeout: expected a duration"));
  EXPECT_THAT(error_of("shutdown:\n  drain_timeout: soon\n"),
              HasSubstr("shutdown.drain_timeout: expected a duration"));
  EXPECT_THAT(error_of("limits:\n  max_body_bytes: 8TB\n"),
              HasSubstr("t.yaml:2:19: limits.max_body_bytes: expected a size such as 65536"));
  EXPECT_THAT(error_of("upstream:\n  max_response_bytes: lots\n"),
              HasSubstr("upstream.max_response_bytes: expected a size"));
}

TEST(Counters, ReservationTtlDefaultSetAndValidated) {
  auto defaults = load_from_string("counters: redis://127.0.0.1:6379/0\n", "t.yaml");
  ASSERT_TRUE(defaults) << defaults.error();
  EXPECT_EQ(defaults->reservation_ttl, std::chrono::minutes(15));
  auto set = load_from_string(
      "counters: redis://127.0.0.1:6379/0\nreservation_ttl: 3s\nupstream:\n  total_timeout: 2s\n",
      "t.yaml");
  ASSERT_TRUE(set) << set.error();
  EXPECT_EQ(set->reservation_ttl, std::chrono::seconds(3));
  EXPECT_THAT(error_of("reservation_ttl: 30s\n"),
              HasSubstr("t.yaml:1:18: reservation_ttl: must be longer than upstream.total_timeout "
                        "(600000 ms)"));
  EXPECT_THAT(error_of("reservation_ttl: 500ms\n"),
              HasSubstr("reservation_ttl: must be between 1s and 7 days"));
  EXPECT_THAT(error_of("reservation_ttl: soon\n"), HasSubstr("reservation_ttl: expected a duration"));
  // Redis counters with a total timeout beyond the default TTL need a TTL.
  EXPECT_THAT(error_of("counters: redis://h:6379/0\nupstream:\n  total_timeout: 20m\n"),
              HasSubstr("reservation_ttl: must be longer than upstream.total_timeout"));
  EXPECT_TRUE(load_from_string("upstream:\n  total_timeout: 20m\n", "t.yaml"))
      << "memory counters never expire reservations";
}

TEST(ConfigErrors, HugeDurationsAndSizesDoNotOverflow) {
  EXPECT_THAT(error_of("limits:\n  header_timeout: 9223372036854775807m\n"),
              HasSubstr("limits.header_timeout:"));
  EXPECT_THAT(error_of("limits:\n  max_body_bytes: 9223372036854775807GiB\n"),
              HasSubstr("limits.max_body_bytes:"));
}

TEST(ConfigErrors, UnknownProviderInDeployment) {
  std::string yaml =
      "providers:\n  p:\n    type: openai\n    base_url: http://x\n"
      "models:\n  - name: m\n    deployments:\n      - provider: q\n";
  EXPECT_THAT(error_of(yaml),
              HasSubstr("t.yaml:8:19: models[0].deployments[0].provider: unknown provider 'q'"));
}

TEST(ConfigErrors, DeploymentsMissingOrEmpty) {
  // A model the catalog does not know needs its deployments spelled out.
  EXPECT_THAT(error_of("models:\n  - name: no-such-model-xyz\n"),
              HasSubstr("t.yaml:2:5: models[0]: model 'no-such-model-xyz' is not in the catalog"));
  EXPECT_THAT(error_of("models:\n  - name: m\n    deployments: []\n"),
              HasSubstr("t.yaml:3:18: models[0].deployments: expected a non-empty list"));
  EXPECT_THAT(error_of("providers:\n  p:\n    type: openai\n    base_url: http://x\n"
                       "models:\n  - deployments:\n      - model: x\n"),
              HasSubstr("models[0]: missing required key 'name'"));
}

TEST(ConfigErrors, DuplicateModelName) {
  std::string yaml =
      "providers:\n  p:\n    type: openai\n    base_url: http://x\n"
      "models:\n  - name: m\n    deployments: [{provider: p}]\n"
      "  - name: m\n    deployments: [{provider: p}]\n";
  EXPECT_THAT(error_of(yaml), HasSubstr("t.yaml:8:11: models[1].name: model 'm' is defined twice"));
}

TEST(ConfigErrors, MissingEnvVar) {
  ScopedEnv unset("SY_TEST_MISSING", std::nullopt);
  std::string yaml =
      "providers:\n  p:\n    type: openai\n    base_url: http://x\n    api_key: ${SY_TEST_MISSING}\n";
  EXPECT_THAT(error_of(yaml), HasSubstr("t.yaml:5:14: providers.p.api_key: environment variable "
                                        "SY_TEST_MISSING is not set"));
}

TEST(ConfigErrors, AllErrorsReportedAtOnce) {
  std::string e = error_of("workers: x\nlog_level: loud\nlimits:\n  idle_timeout: 1y\n");
  EXPECT_THAT(e, HasSubstr("t.yaml:1:10: workers"));
  EXPECT_THAT(e, HasSubstr("t.yaml:2:12: log_level"));
  EXPECT_THAT(e, HasSubstr("t.yaml:4:17: limits.idle_timeout"));
}

TEST(Interpolate, VariablesDefaultsAndEscapes) {
  ScopedEnv set("SY_TEST_A", "alpha");
  ScopedEnv empty("SY_TEST_EMPTY", "");
  ScopedEnv unset("SY_TEST_NONE", std::nullopt);
  EXPECT_EQ(interpolate_env("x${SY_TEST_A}y").value(), "xalphay");
  EXPECT_EQ(interpolate_env("${SY_TEST_NONE:-dflt}").value(), "dflt");
  EXPECT_EQ(interpolate_env("${SY_TEST_NONE:-}").value(), "");
  EXPECT_EQ(interpolate_env("${SY_TEST_EMPTY:-used}").value(), "used");
  EXPECT_EQ(interpolate_env("${SY_TEST_A:-unused}").value(), "alpha");
  EXPECT_EQ(interpolate_env("$${SY_TEST_A}").value(), "${SY_TEST_A}");
  EXPECT_EQ(interpolate_env("cost $5 and $ {x}").value(), "cost $5 and $ {x}");
  EXPECT_THAT(interpolate_env("${SY_TEST_NONE}").error(), HasSubstr("SY_TEST_NONE is not set"));
  EXPECT_THAT(interpolate_env("${SY_TEST_EMPTY}").error(), HasSubstr("is not set"));
  EXPECT_THAT(interpolate_env("${SY_TEST_A").error(), HasSubstr("unterminated"));
  EXPECT_THAT(interpolate_env("${}").error(), HasSubstr("empty variable name"));
  EXPECT_THAT(interpolate_env("${A-B}").error(), HasSubstr("invalid variable name"));
}

TEST(Interpolate, DefaultAndEscapeInsideConfig) {
  ScopedEnv unset("SY_TEST_NONE", std::nullopt);
  std::string yaml =
      "providers:\n  p:\n    type: openai\n    base_url: ${SY_TEST_NONE:-http://127.0.0.1:9}\n"
      "    api_key: $${literal}\n";
  auto r = load_from_string(yaml, "t.yaml");
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->providers.at("p").base.port, 9);
  EXPECT_EQ(r->providers.at("p").api_key, "${literal}");
}

TEST(LoadFile, ReadsFileAndNamesItInErrors) {
  std::string path = ::testing::TempDir() + "/sy_config_test.yaml";
  {
    std::ofstream out(path);
    out << "listen: 127.0.0.1:7000\nbogus: 1\n";
  }
  auto r = load_from_file(path);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error(), HasSubstr(path + ":2:1: bogus: unknown key"));
  auto missing = load_from_file(path + ".absent");
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error(), HasSubstr("cannot open"));
  std::remove(path.c_str());
}

TEST(LoadFile, ExampleConfigsInTheRepositoryLoad) {
  // Every example config must stay loadable (unset variables get defaults).
  for (const char* rel : {"/examples/switchyard.yaml"}) {
    std::string path = std::string(SWITCHYARD_SOURCE_DIR) + rel;
    if (!std::ifstream(path).good()) continue;
    ScopedEnv key("OPENAI_API_KEY", "sk-example");
    ScopedEnv akey("ANTHROPIC_API_KEY", "sk-ant-example");
    auto r = load_from_file(path);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error());
  }
}

TEST(EmbeddedDefault, WithoutOpenAiKeyUsesEmulator) {
  ScopedEnv unset("OPENAI_API_KEY", std::nullopt);
  Config c = embedded_default(4321);
  EXPECT_TRUE(c.embedded_emulator);
  ASSERT_EQ(c.providers.count("emulator"), 1u);
  const auto& p = c.providers.at("emulator");
  EXPECT_EQ(p.type, "openai");
  EXPECT_EQ(p.base.host, "127.0.0.1");
  EXPECT_EQ(p.base.port, 4321);
  EXPECT_EQ(p.base.base_path, "/v1");
  EXPECT_FALSE(p.base.tls);
  ASSERT_NE(c.find_model("gpt-4o-mini"), nullptr);
  ASSERT_NE(c.find_model("llama-local"), nullptr);
  EXPECT_EQ(c.find_model("llama-local")->deployments[0].model, "llama-3.1-8b");
}

TEST(EmbeddedDefault, WithOpenAiKeyUsesOpenAi) {
  ScopedEnv key("OPENAI_API_KEY", "sk-from-env");
  Config c = embedded_default(4321);
  EXPECT_FALSE(c.embedded_emulator);
  ASSERT_EQ(c.providers.count("openai"), 1u);
  EXPECT_EQ(c.providers.count("emulator"), 0u);
  const auto& p = c.providers.at("openai");
  EXPECT_EQ(p.api_key, "sk-from-env");
  EXPECT_TRUE(p.base.tls);
  EXPECT_EQ(p.base.host, "api.openai.com");
  const ModelGroup* g = c.find_model("gpt-4o");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->deployments[0].provider, "openai");
}

TEST(EmbeddedDefault, EmptyKeyCountsAsUnset) {
  ScopedEnv key("OPENAI_API_KEY", "");
  EXPECT_TRUE(embedded_default(1).embedded_emulator);
}

}  // namespace
}  // namespace sy::config
