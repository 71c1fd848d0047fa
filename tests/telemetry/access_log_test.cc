#include "telemetry/access_log.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <thread>
#include <vector>

#include "../util/busy_core.h"
#include "telemetry/trace_context.h"

namespace sy::telemetry {
namespace {

using namespace std::chrono;

simdjson::dom::element parse_line(simdjson::dom::parser& parser, const std::string& line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per request";
  auto doc = parser.parse(line);
  EXPECT_FALSE(doc.error()) << simdjson::error_message(doc.error()) << ": " << line;
  return doc.value_unsafe();
}

RequestSummary sample() {
  RequestSummary r;
  r.received_at = system_clock::time_point(milliseconds(1'700'000'000'123));
  r.request_id = "req-1";
  r.key_id = "team-a";
  r.model = "gpt-4o";
  r.provider = "openai";
  r.deployment = "openai/gpt-4o";
  r.upstream_model = "gpt-4o-2024-08-06";
  r.status = 200;
  r.prompt_tokens = 12;
  r.completion_tokens = 34;
  r.cached_tokens = 2;
  r.cost_usd = 0.00042;
  r.latency_ms = 123.4567;
  r.ttft_ms = 45.5;
  r.upstream_ms = 120;
  r.attempts = 2;
  r.stream = true;
  r.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  r.prompt_text = "hello";
  r.completion_text = "world";
  return r;
}

TEST(AccessLog, Rfc3339Milliseconds) {
  EXPECT_EQ(format_rfc3339_ms(system_clock::time_point(milliseconds(1'700'000'000'123))),
            "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(format_rfc3339_ms(system_clock::time_point(milliseconds(0))),
            "1970-01-01T00:00:00.000Z");
}

TEST(AccessLog, LineIsValidJsonWithEveryField) {
  simdjson::dom::parser parser;
  std::string line = format_access_line(sample());
  auto doc = parse_line(parser, line);
  EXPECT_EQ(std::string_view(doc["time"]), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(std::string_view(doc["request_id"]), "req-1");
  EXPECT_EQ(std::string_view(doc["key_id"]), "team-a");
  EXPECT_EQ(std::string_view(doc["model"]), "gpt-4o");
  EXPECT_EQ(std::string_view(doc["provider"]), "openai");
  EXPECT_EQ(std::string_view(doc["deployment"]), "openai/gpt-4o");
  EXPECT_EQ(std::string_view(doc["upstream_model"]), "gpt-4o-2024-08-06");
  EXPECT_EQ(int64_t(doc["status"]), 200);
  EXPECT_EQ(std::string_view(doc["error_class"]), "none");
  EXPECT_TRUE(bool(doc["stream"]));
  EXPECT_EQ(int64_t(doc["prompt_tokens"]), 12);
  EXPECT_EQ(int64_t(doc["completion_tokens"]), 34);
  EXPECT_EQ(int64_t(doc["cached_tokens"]), 2);
  EXPECT_DOUBLE_EQ(double(doc["cost_usd"]), 0.00042);
  EXPECT_DOUBLE_EQ(double(doc["latency_ms"]), 123.457);
  EXPECT_DOUBLE_EQ(double(doc["ttft_ms"]), 45.5);
  EXPECT_EQ(int64_t(doc["attempts"]), 2);
  EXPECT_EQ(std::string_view(doc["trace_id"]), "4bf92f3577b34da6a3ce929d0e0e4736");
  // Text is opt-in.
  EXPECT_EQ(doc["prompt"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(doc["completion"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(line.find("hello"), std::string::npos);
}

TEST(AccessLog, AbsentTimingsAreNull) {
  simdjson::dom::parser parser;
  RequestSummary r = sample();
  r.ttft_ms = -1;
  r.upstream_ms = -1;
  auto doc = parse_line(parser, format_access_line(r));
  EXPECT_TRUE(doc["ttft_ms"].is_null());
  EXPECT_TRUE(doc["upstream_ms"].is_null());
}

TEST(AccessLog, TextIsIncludedOnlyWhenOptedInAndBounded) {
  simdjson::dom::parser parser;
  RequestSummary r = sample();
  std::string long_prompt(10000, 'p');
  r.prompt_text = long_prompt;
  auto doc =
      parse_line(parser, format_access_line(r, {.include_text = true, .max_text_bytes = 100}));
  EXPECT_EQ(std::string_view(doc["prompt"]).size(), 100u);
  EXPECT_EQ(std::string_view(doc["completion"]), "world");
}

TEST(AccessLog, NoKeyMaterialEvenWhenHandedIn) {
  simdjson::dom::parser parser;
  RequestSummary r = sample();
  const std::string key = "sk-proj-Zx81kLm0PqRsTuVw";
  std::string header = "Bearer " + key;
  std::string prompt = "my key is " + key + " please";
  r.request_id = header;  // a client-supplied value carrying the key
  r.key_id = key;         // a wiring mistake
  r.model = header;
  r.prompt_text = prompt;
  r.completion_text = "Authorization: Bearer abc.def.ghi";
  std::string line = format_access_line(r, {.include_text = true});
  parse_line(parser, line);
  EXPECT_EQ(line.find(key), std::string::npos) << line;
  EXPECT_EQ(line.find("Zx81kLm0"), std::string::npos) << line;
  EXPECT_EQ(line.find("abc.def.ghi"), std::string::npos) << line;
  EXPECT_NE(line.find("[REDACTED]"), std::string::npos);
}

TEST(AccessLog, HostileBytesStillGiveValidJson) {
  simdjson::dom::parser parser;
  RequestSummary r = sample();
  std::string nasty = std::string("q\"uo\\te\n\r\t\x01\x1f ctl ") +
                      "\xff\xfe bad utf8 \xe2\x82 cut" + std::string(1, '\0') + " nul";
  r.model = nasty;
  r.request_id = nasty;
  auto doc = parse_line(parser, format_access_line(r));
  std::string_view model = doc["model"];
  EXPECT_EQ(model.substr(0, 8), "q\"uo\\te\n");
  EXPECT_NE(model.find("\xEF\xBF\xBD"), std::string_view::npos);
}

TEST(AccessLog, PlainPrefixThenEscapesAndUtf8RoundTrip) {
  simdjson::dom::parser parser;
  RequestSummary r = sample();
  const std::string model = "plain-prefix-\xc3\xa9-\"q\"\\-\x01-\xe2\x82\xac end";
  r.model = model;
  r.upstream_model = "ascii-only-0123456789";
  auto doc = parse_line(parser, format_access_line(r));
  EXPECT_EQ(std::string_view(doc["model"]), model);
  EXPECT_EQ(std::string_view(doc["upstream_model"]), "ascii-only-0123456789");
}

TEST(AccessLog, Rfc3339WithinAndAcrossSeconds) {
  // Lines in one second share the cached date part; a new second (or a jump
  // back in time) formats afresh.
  auto at = [](int64_t ms) { return format_rfc3339_ms(system_clock::time_point(milliseconds(ms))); };
  EXPECT_EQ(at(1'700'000'000'001), "2023-11-14T22:13:20.001Z");
  EXPECT_EQ(at(1'700'000'000'999), "2023-11-14T22:13:20.999Z");
  EXPECT_EQ(at(1'700'000'001'000), "2023-11-14T22:13:21.000Z");
  EXPECT_EQ(at(981'173'106'007), "2001-02-03T04:05:06.007Z");
  EXPECT_EQ(at(1'700'000'001'500), "2023-11-14T22:13:21.500Z");
  EXPECT_EQ(at(-1), "1969-12-31T23:59:59.999Z");
}

// The raw text of the number `key` holds in `r`'s line.
std::string number_text(const RequestSummary& r, std::string_view key) {
  const std::string line = format_access_line(r);
  const std::string member = "\"" + std::string(key) + "\":";
  const std::size_t at = line.find(member) + member.size();
  return line.substr(at, line.find(',', at) - at);
}

TEST(AccessLog, MillisecondFieldsKeepThreeDecimals) {
  RequestSummary r = sample();
  auto ms_of = [&](double latency) {
    r.latency_ms = latency;
    return number_text(r, "latency_ms");
  };
  EXPECT_EQ(ms_of(123.4567), "123.457");
  EXPECT_EQ(ms_of(0), "0.000");
  EXPECT_EQ(ms_of(0.0004), "0.000");
  EXPECT_EQ(ms_of(2.05), "2.050");
  EXPECT_EQ(ms_of(86'400'000.25), "86400000.250");
  EXPECT_EQ(ms_of(-1.5), "-1.500");
  EXPECT_EQ(ms_of(1e13), "10000000000000.000");  // beyond the integer path
  EXPECT_EQ(ms_of(std::nan("")), "null");
}

TEST(AccessLog, CostIsAnExactDecimalOfMicroDollars) {
  RequestSummary r = sample();
  auto cost_of = [&](double usd) {
    r.cost_usd = usd;
    return number_text(r, "cost_usd");
  };
  EXPECT_EQ(cost_of(420 / 1e6), "0.00042");
  EXPECT_EQ(cost_of(1 / 1e6), "0.000001");
  EXPECT_EQ(cost_of(12'345'678 / 1e6), "12.345678");
  EXPECT_EQ(cost_of(3'000'000 / 1e6), "3");
  EXPECT_EQ(cost_of(-1'500'000 / 1e6), "-1.5");
  EXPECT_EQ(cost_of(0), "0");
  EXPECT_EQ(cost_of(0.1234567891), "0.1234567891");  // not whole micro-dollars: shortest form
  EXPECT_EQ(cost_of(std::numeric_limits<double>::infinity()), "null");
}

TEST(AccessLog, Rfc3339PadsEveryField) {
  // 2001-02-03T04:05:06.007Z
  EXPECT_EQ(format_rfc3339_ms(system_clock::time_point(milliseconds(981'173'106'007))),
            "2001-02-03T04:05:06.007Z");
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l + "\n");
  return lines;
}

std::string temp_path(const char* name) {
  auto p = std::filesystem::temp_directory_path() /
           (std::string("sy_telemetry_") + name + "_" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(p);
  return p.string();
}

TEST(AccessLogWriter, WritesEveryLineFromManyThreadsAndFlushesOnStop) {
  std::string path = temp_path("writer");
  {
    AccessLogWriter writer({.path = path, .queue_capacity = 1 << 16});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&writer, t] {
        for (int i = 0; i < 2000; ++i) {
          RequestSummary r = sample();
          std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
          r.request_id = id;
          writer.submit(format_access_line(r));
        }
      });
    }
    for (auto& th : threads) th.join();
    writer.stop();
    EXPECT_EQ(writer.written() + writer.dropped(), 8000u);
    EXPECT_EQ(writer.dropped(), 0u);
  }
  auto lines = read_lines(path);
  EXPECT_EQ(lines.size(), 8000u);
  simdjson::dom::parser parser;
  std::set<std::string> ids;
  for (const auto& l : lines)
    ids.insert(std::string(std::string_view(parse_line(parser, l)["request_id"])));
  EXPECT_EQ(ids.size(), 8000u);
  std::filesystem::remove(path);
}

TEST(AccessLogWriter, DropsAndCountsWhenFullNeverBlocks) {
  std::string path = temp_path("drop");
  AccessLogWriter writer({.path = path, .queue_capacity = 4});
  std::string line = format_access_line(sample());
  constexpr int kLines = 20000;
  int accepted = 0;
  auto start = steady_clock::now();
  for (int i = 0; i < kLines; ++i) accepted += writer.submit(line) ? 1 : 0;
  auto elapsed = steady_clock::now() - start;
  writer.stop();
  EXPECT_GT(writer.dropped(), 0u);
  EXPECT_EQ(writer.written(), static_cast<uint64_t>(accepted));
  EXPECT_EQ(writer.written() + writer.dropped(), static_cast<uint64_t>(kLines));
  EXPECT_EQ(read_lines(path).size(), writer.written());
  EXPECT_LT(duration_cast<milliseconds>(elapsed).count(), 2000);
  // After stop, submissions are refused and counted.
  EXPECT_FALSE(writer.submit(line));
  EXPECT_EQ(writer.written() + writer.dropped(), static_cast<uint64_t>(kLines) + 1);
  std::filesystem::remove(path);
}

// One busy core: the idle-priority writer gets almost no CPU, so the
// catch-up writer must write the lines once a quarter of the queue is used,
// well before the queue is full and lines would be dropped.
TEST(AccessLogWriter, StarvedRoutineWriterIsCaughtUpBeforeLinesAreDropped) {
  std::string path = temp_path("starved");
  sy::testing::OneBusyCore busy;  // before the writer: its threads inherit the one core
  AccessLogWriter writer({.path = path, .queue_capacity = 64});
  const std::string line = format_access_line(sample());
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(writer.submit(line));
  const auto start = steady_clock::now();
  while (writer.written() < 40 && steady_clock::now() - start < seconds(5)) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(writer.written(), 40u);
  EXPECT_EQ(writer.dropped(), 0u);
  EXPECT_LT(steady_clock::now() - start, milliseconds(1000));  // slack for a loaded CI machine
  writer.stop();
  EXPECT_EQ(read_lines(path).size(), 40u);
  std::filesystem::remove(path);
}

TEST(AccessLogWriter, UnopenablePathThrowsAtStartup) {
  EXPECT_THROW(AccessLogWriter({.path = "/nonexistent-dir/x/access.log"}), std::runtime_error);
}

}  // namespace
}  // namespace sy::telemetry
