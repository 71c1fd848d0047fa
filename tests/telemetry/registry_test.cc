#include "telemetry/registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "prom_text_parser.h"
#include "telemetry/exposition.h"

namespace sy::telemetry {
namespace {

using testing::parse_exposition;

// Several workers increment their own shards while a scraper renders and
// parses continuously: every scrape is valid, counters never go backwards,
// and the final totals are exact.
TEST(Registry, ConcurrentIncrementsWhileScraping) {
  constexpr int kWorkers = 4;
  constexpr int kIterations = 50'000;
  Registry reg(kWorkers);
  std::atomic<bool> done{false};
  std::atomic<int> scrapes{0};
  std::string scrape_error;

  std::thread scraper([&] {
    double last_total = 0;
    double last_count = 0;
    while (!done.load()) {
      auto p = parse_exposition(render(reg));
      if (!p.ok()) {
        scrape_error = p.error;
        return;
      }
      double total = 0;
      for (const auto& s : p.families["switchyard_requests_total"].samples) total += s.value;
      double count = p.value("switchyard_overhead_seconds", "switchyard_overhead_seconds_count", {})
                         .value_or(0);
      if (total < last_total || count < last_count) {
        scrape_error = "went backwards";
        return;
      }
      last_total = total;
      last_count = count;
      scrapes.fetch_add(1);
    }
  });

  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&reg, w] {
      Shard& shard = reg.shard(static_cast<std::size_t>(w));
      for (int i = 0; i < kIterations; ++i) {
        std::string_view model = (i % 3 == 0) ? "gpt-4o" : "claude";
        shard.add(Counter::kRequests, {model, "p", "d", "200", "none"});
        shard.add(Gauge::kInFlight, {}, 1);
        shard.observe(Histogram::kOverhead, {}, 20e-6 * (i % 7));
        shard.add(Gauge::kInFlight, {}, -1);
        // A new label set now and then exercises the insertion path.
        if (i % 5000 == 0) shard.add(Counter::kUpstreamConnects, {"origin-" + std::to_string(i)});
      }
    });
  }
  for (auto& t : workers) t.join();
  // Let the scraper run at least a few times after the writers finish.
  int before = scrapes.load();
  while (scrapes.load() < before + 2 && scrape_error.empty()) std::this_thread::yield();
  done = true;
  scraper.join();
  ASSERT_TRUE(scrape_error.empty()) << scrape_error;
  EXPECT_GT(scrapes.load(), 2);

  auto p = parse_exposition(render(reg));
  ASSERT_TRUE(p.ok()) << p.error;
  auto req = [&](std::string model) {
    return p.value("switchyard_requests_total", "switchyard_requests_total",
                   {{"model", model},
                    {"provider", "p"},
                    {"deployment", "d"},
                    {"status", "200"},
                    {"error_class", "none"}});
  };
  int gpt_per_worker = (kIterations + 2) / 3;
  EXPECT_EQ(req("gpt-4o"), kWorkers * gpt_per_worker);
  EXPECT_EQ(req("claude"), kWorkers * (kIterations - gpt_per_worker));
  EXPECT_EQ(p.value("switchyard_overhead_seconds", "switchyard_overhead_seconds_count", {}),
            kWorkers * kIterations);
  EXPECT_EQ(p.value("switchyard_requests_in_flight", "switchyard_requests_in_flight", {}), 0);
  EXPECT_EQ(p.value("switchyard_upstream_connects_total", "switchyard_upstream_connects_total",
                    {{"origin", "origin-5000"}}),
            kWorkers);
}

TEST(Registry, SeriesCapSendsNewLabelSetsToOverflow) {
  Registry reg(2, RegistryOptions{.max_series_per_metric = 10});
  for (int i = 0; i < 10; ++i) reg.shard(0).add(Counter::kHedges, {"m" + std::to_string(i), "d"});
  // Known label sets still land in their own series, from any shard.
  reg.shard(1).add(Counter::kHedges, {"m3", "d"});
  for (int i = 10; i < 25; ++i)
    reg.shard(i % 2).add(Counter::kHedges, {"m" + std::to_string(i), "d"});
  EXPECT_EQ(reg.series_count(MetricId::kHedges), 11u);  // 10 + overflow

  auto p = parse_exposition(render(reg));
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.families["switchyard_hedges_total"].samples.size(), 11u);
  EXPECT_EQ(p.value("switchyard_hedges_total", "switchyard_hedges_total",
                    {{"model", "m3"}, {"deployment", "d"}}),
            2);
  EXPECT_EQ(p.value("switchyard_hedges_total", "switchyard_hedges_total",
                    {{"model", "__overflow__"}, {"deployment", "__overflow__"}}),
            15);
  // Another metric has its own budget.
  reg.shard(0).add(Counter::kRetries, {"m24", "d", "timeout"});
  EXPECT_EQ(reg.series_count(MetricId::kRetries), 1u);
}

TEST(Registry, LabelValuesAreBoundedAndNulFree) {
  std::string key;
  std::string long_value(300, 'x');
  long_value[127] = '\xC3';  // a 2-byte character straddling the cut at 128
  long_value[128] = '\xA9';
  append_series_key(key, 2, {long_value, std::string_view("a\0b", 3)});
  EXPECT_EQ(key, std::string(127, 'x') + std::string(1, '\0') + "a?b");
}

TEST(Registry, SeriesReferencesAreStable) {
  Registry reg(1);
  Series& first = reg.shard(0).series(MetricId::kInFlight, {});
  for (int i = 0; i < 1000; ++i) reg.shard(0).add(Counter::kUpstreamConnects, {std::to_string(i)});
  first.add(5);
  EXPECT_EQ(&first, &reg.shard(0).series(MetricId::kInFlight, {}));
  auto p = parse_exposition(render(reg));
  EXPECT_EQ(p.value("switchyard_requests_in_flight", "switchyard_requests_in_flight", {}), 5);
}

// The shard remembers the last label set per metric: alternating, repeating
// and overflowing label sets must still land in their own series.
TEST(Registry, RepeatedAndAlternatingLabelSetsLandInTheirOwnSeries) {
  Registry reg(1, RegistryOptions{.max_series_per_metric = 2});
  Shard& shard = reg.shard(0);
  for (const char* m : {"a", "a", "b", "a", "c", "c", "b", "a", "c"})
    shard.add(Counter::kHedges, {m, "d"});
  EXPECT_EQ(&shard.series(MetricId::kHedges, {"a", "d"}), &shard.series(MetricId::kHedges, {"a", "d"}));
  EXPECT_NE(&shard.series(MetricId::kHedges, {"a", "d"}), &shard.series(MetricId::kHedges, {"b", "d"}));
  auto p = parse_exposition(render(reg));
  ASSERT_TRUE(p.ok()) << p.error;
  auto value = [&](const char* model) {
    return p.value("switchyard_hedges_total", "switchyard_hedges_total",
                   {{"model", model}, {"deployment", model[0] == '_' ? model : "d"}});
  };
  EXPECT_EQ(value("a"), 4);
  EXPECT_EQ(value("b"), 2);
  EXPECT_EQ(value("__overflow__"), 3);  // "c": past the cap of two series
}

}  // namespace
}  // namespace sy::telemetry
