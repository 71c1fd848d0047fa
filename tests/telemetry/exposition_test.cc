#include "telemetry/exposition.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "prom_text_parser.h"
#include "telemetry/request_metrics.h"

namespace sy::telemetry {
namespace {

using testing::parse_exposition;

TEST(Exposition, EmptyRegistryParsesAndDeclaresEveryFamily) {
  Registry reg(2);
  std::string text = render(reg);
  auto parsed = parse_exposition(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error << "\n" << text;
  for (const MetricDef& d : kMetricDefs) {
    ASSERT_TRUE(parsed.families.count(std::string(d.name))) << d.name;
    EXPECT_TRUE(parsed.families.at(std::string(d.name)).has_help);
    EXPECT_TRUE(parsed.families.at(std::string(d.name)).has_type);
  }
  EXPECT_EQ(parsed.value("switchyard_requests_in_flight", "switchyard_requests_in_flight", {}), 0);
  EXPECT_EQ(parsed.families.at("switchyard_requests_total").type, "counter");
  EXPECT_EQ(parsed.families.at("switchyard_overhead_seconds").type, "histogram");
}

TEST(Exposition, CountersSumOverShardsAndEscapeLabelValues) {
  Registry reg(3);
  std::string_view tricky = "we\"ird\\mo\ndel";
  reg.shard(0).add(Counter::kRequests, {"gpt-4o", "openai", "d1", "200", "none"});
  reg.shard(1).add(Counter::kRequests, {"gpt-4o", "openai", "d1", "200", "none"}, 2);
  reg.shard(2).add(Counter::kRequests, {tricky, "openai", "d1", "502", "server_error"});
  reg.shard(2).add(Counter::kCostUsd, {"gpt-4o", "key_1"}, 0.125);
  std::string text = render(reg);
  auto p = parse_exposition(text);
  ASSERT_TRUE(p.ok()) << p.error << "\n" << text;
  std::map<std::string, std::string> ok = {{"model", "gpt-4o"},
                                           {"provider", "openai"},
                                           {"deployment", "d1"},
                                           {"status", "200"},
                                           {"error_class", "none"}};
  EXPECT_EQ(p.value("switchyard_requests_total", "switchyard_requests_total", ok), 3);
  auto bad = ok;
  bad["model"] = std::string(tricky);
  bad["status"] = "502";
  bad["error_class"] = "server_error";
  EXPECT_EQ(p.value("switchyard_requests_total", "switchyard_requests_total", bad), 1);
  EXPECT_EQ(p.value("switchyard_cost_usd_total", "switchyard_cost_usd_total",
                    {{"model", "gpt-4o"}, {"key_id", "key_1"}}),
            0.125);
  EXPECT_NE(text.find(R"(model="we\"ird\\mo\ndel")"), std::string::npos) << text;
}

TEST(Exposition, HistogramBucketsAreCumulativeWithInf) {
  Registry reg(1);
  Shard& s = reg.shard(0);
  s.observe(Histogram::kOverhead, {}, 7e-6);    // first bucket (10 µs)
  s.observe(Histogram::kOverhead, {}, 10e-6);   // le is inclusive
  s.observe(Histogram::kOverhead, {}, 0.003);   // 5 ms bucket
  s.observe(Histogram::kOverhead, {}, 1000.0);  // +Inf only
  std::string text = render(reg);
  auto p = parse_exposition(text);
  ASSERT_TRUE(p.ok()) << p.error << "\n" << text;
  auto bucket = [&](const std::string& le) {
    return p.value("switchyard_overhead_seconds", "switchyard_overhead_seconds_bucket",
                   {{"le", le}});
  };
  EXPECT_EQ(bucket("1e-05"), 2);
  EXPECT_EQ(bucket("0.0025"), 2);
  EXPECT_EQ(bucket("0.005"), 3);
  EXPECT_EQ(bucket("300"), 3);
  EXPECT_EQ(bucket("+Inf"), 4);
  EXPECT_EQ(p.value("switchyard_overhead_seconds", "switchyard_overhead_seconds_count", {}), 4);
  EXPECT_NEAR(*p.value("switchyard_overhead_seconds", "switchyard_overhead_seconds_sum", {}),
              1000.003017, 1e-9);
}

TEST(Exposition, OutputIsDeterministicAndSorted) {
  Registry a(2), b(2);
  a.shard(0).add(Counter::kHedges, {"m2", "d"});
  a.shard(1).add(Counter::kHedges, {"m1", "d"});
  b.shard(1).add(Counter::kHedges, {"m1", "d"});
  b.shard(0).add(Counter::kHedges, {"m2", "d"});
  EXPECT_EQ(render(a), render(b));
  std::string text = render(a);
  EXPECT_LT(text.find("model=\"m1\""), text.find("model=\"m2\""));
}

TEST(Exposition, InvalidUtf8LabelBecomesReplacementChar) {
  Registry reg(1);
  reg.shard(0).add(Counter::kHedges, {"bad\xff\xfe", "d"});
  auto p = parse_exposition(render(reg));
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.value("switchyard_hedges_total", "switchyard_hedges_total",
                    {{"model", "bad\xEF\xBF\xBD\xEF\xBF\xBD"}, {"deployment", "d"}}),
            1);
}

TEST(Exposition, GlobalGaugesAndCollectors) {
  Registry reg(2);
  reg.set_global(GlobalGauge::kCircuitBreakerState, {"openai-east"}, 2);
  int calls = 0;
  reg.add_collector([&calls](Registry& r) {
    ++calls;
    r.set_global(GlobalGauge::kCircuitBreakerState, {"azure"}, 1);
    r.set_global_total(Counter::kAccessLogDropped, {}, 42);
  });
  reg.shard(0).add(Gauge::kInFlight, {}, 3);
  reg.shard(1).add(Gauge::kInFlight, {}, 4);
  auto p = parse_exposition(render(reg));
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(p.value("switchyard_circuit_breaker_state", "switchyard_circuit_breaker_state",
                    {{"deployment", "openai-east"}}),
            2);
  EXPECT_EQ(p.value("switchyard_circuit_breaker_state", "switchyard_circuit_breaker_state",
                    {{"deployment", "azure"}}),
            1);
  EXPECT_EQ(
      p.value("switchyard_access_log_dropped_total", "switchyard_access_log_dropped_total", {}),
      42);
  EXPECT_EQ(p.value("switchyard_requests_in_flight", "switchyard_requests_in_flight", {}), 7)
      << "per-worker gauges are summed";
}

// Success, failure, retry and fallback move the counters they should.
TEST(Exposition, RequestOutcomesMoveTheirCounters) {
  Registry reg(1);
  Shard& s = reg.shard(0);
  RequestSummary ok;
  ok.model = "gpt-4o";
  ok.provider = "openai";
  ok.deployment = "openai/gpt-4o";
  ok.status = 200;
  ok.key_id = "team-a";
  ok.prompt_tokens = 10;
  ok.completion_tokens = 5;
  ok.cost_usd = 0.0002;
  ok.latency_ms = 12;
  ok.upstream_ms = 11.5;
  ok.ttft_ms = 3;
  record_request(s, ok);
  RequestSummary failed = ok;
  failed.status = 502;
  failed.error_class = "server_error";
  failed.prompt_tokens = failed.completion_tokens = 0;
  failed.cost_usd = 0;
  failed.ttft_ms = -1;
  record_request(s, failed);
  s.add(Counter::kRetries, {"gpt-4o", "openai/gpt-4o", "server_error"});
  s.add(Counter::kFallbacks, {"gpt-4o", "openai/gpt-4o", "azure/gpt-4o"});

  auto p = parse_exposition(render(reg));
  ASSERT_TRUE(p.ok()) << p.error;
  auto req = [&](std::string status, std::string cls) {
    return p.value("switchyard_requests_total", "switchyard_requests_total",
                   {{"model", "gpt-4o"},
                    {"provider", "openai"},
                    {"deployment", "openai/gpt-4o"},
                    {"status", status},
                    {"error_class", cls}});
  };
  EXPECT_EQ(req("200", "none"), 1);
  EXPECT_EQ(req("502", "server_error"), 1);
  EXPECT_EQ(p.value("switchyard_prompt_tokens_total", "switchyard_prompt_tokens_total",
                    {{"model", "gpt-4o"}, {"key_id", "team-a"}}),
            10);
  EXPECT_EQ(p.value("switchyard_completion_tokens_total", "switchyard_completion_tokens_total",
                    {{"model", "gpt-4o"}, {"key_id", "team-a"}}),
            5);
  EXPECT_EQ(
      p.value(
          "switchyard_retries_total", "switchyard_retries_total",
          {{"model", "gpt-4o"}, {"deployment", "openai/gpt-4o"}, {"error_class", "server_error"}}),
      1);
  EXPECT_EQ(p.value("switchyard_fallbacks_total", "switchyard_fallbacks_total",
                    {{"model", "gpt-4o"},
                     {"from_deployment", "openai/gpt-4o"},
                     {"to_deployment", "azure/gpt-4o"}}),
            1);
  EXPECT_EQ(p.value("switchyard_time_to_first_token_seconds",
                    "switchyard_time_to_first_token_seconds_count",
                    {{"model", "gpt-4o"}, {"provider", "openai"}}),
            1);
  EXPECT_EQ(
      p.value("switchyard_request_duration_seconds", "switchyard_request_duration_seconds_count",
              {{"model", "gpt-4o"}, {"provider", "openai"}}),
      2);
  EXPECT_EQ(p.value("switchyard_overhead_seconds", "switchyard_overhead_seconds_bucket",
                    {{"le", "0.0005"}}),
            2);  // 0.5 ms of own time each
}

TEST(StrictParser, RejectsMalformedInput) {
  EXPECT_FALSE(parse_exposition("a 1").ok());  // no final newline
  EXPECT_FALSE(parse_exposition("1a 1\n").ok());
  EXPECT_FALSE(parse_exposition("a{b=\"x\\t\"} 1\n").ok());
  EXPECT_FALSE(parse_exposition("a{b=\"x\"} one\n").ok());
  EXPECT_FALSE(parse_exposition("a 1\nb 1\na 2\n").ok());
  EXPECT_FALSE(parse_exposition("a 1\n# TYPE a counter\n").ok());
  EXPECT_FALSE(
      parse_exposition("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                       "h_sum 1\nh_count 1\n")
          .ok());
  EXPECT_FALSE(
      parse_exposition("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n").ok());
  EXPECT_TRUE(parse_exposition("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n"
                               "h_sum 1\nh_count 1\n")
                  .ok());
}

}  // namespace
}  // namespace sy::telemetry
