#include "store/spool/ledger_spool.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../temp_dir.h"
#include "store/spool/crc32.h"

namespace sy::store::spool {
namespace {

using sy::testing::TempDir;

LedgerRow row(std::string id, Micros cost) {
  LedgerRow r;
  r.time_ms = 1234;
  r.request_id = std::move(id);
  r.key_id = "key_1";
  r.requested_model = "gpt-4o";
  r.policy = "auto:cheap";
  r.provider = "openai";
  r.upstream_model = "gpt-4o-mini";
  r.status = 502;
  r.error_class = "server_error";
  r.prompt_tokens = 11;
  r.completion_tokens = 22;
  r.cached_tokens = 3;
  r.reasoning_tokens = 4;
  r.cost = cost;
  r.latency_ms = 55;
  r.ttft_ms = 7;
  r.attempts = 2;
  return r;
}

TEST(Crc32, KnownVector) { EXPECT_EQ(crc32("123456789"), 0xCBF43926u); }

TEST(LedgerSpool, AppendReopenReadClear) {
  TempDir dir;
  const std::string path = dir.file("s");
  {
    auto s = LedgerSpool::open(path);
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->append({row("a", 1), row("b", 2)}));
    ASSERT_TRUE((*s)->append({row("c", 3)}));
    EXPECT_EQ((*s)->pending_rows(), 3u);
  }
  auto s = LedgerSpool::open(path);
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->pending_rows(), 3u);
  auto rows = (*s)->read_all();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 3u);
  const LedgerRow &b = (*rows)[1];
  EXPECT_EQ(b.request_id, "b");
  EXPECT_EQ(b.cost, 2);
  EXPECT_EQ(b.policy, "auto:cheap");
  EXPECT_EQ(b.error_class, "server_error");
  EXPECT_EQ(b.status, 502);
  EXPECT_EQ(b.ttft_ms, 7);
  EXPECT_EQ(b.attempts, 2);
  EXPECT_EQ(b.reasoning_tokens, 4);
  ASSERT_TRUE((*s)->clear());
  EXPECT_TRUE((*s)->empty());
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
}

TEST(LedgerSpool, TornTailIsDroppedAndEarlierRecordsSurvive) {
  TempDir dir;
  const std::string path = dir.file("s");
  uintmax_t first_size = 0;
  {
    auto s = LedgerSpool::open(path);
    ASSERT_TRUE((*s)->append({row("a", 1)}));
    first_size = std::filesystem::file_size(path);
    ASSERT_TRUE((*s)->append({row("b", 2), row("c", 3)}));
  }
  // A crash in the middle of the second write: cut it short.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 5);
  auto s = LedgerSpool::open(path);
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->pending_rows(), 1u);
  EXPECT_GT((*s)->dropped_tail_bytes(), 0u);
  EXPECT_EQ(std::filesystem::file_size(path), first_size);
  // Appending after recovery continues a clean file.
  ASSERT_TRUE((*s)->append({row("d", 4)}));
  auto rows = (*s)->read_all();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1].request_id, "d");
}

TEST(LedgerSpool, CorruptRecordFailsCrcAndEndsTheValidPrefix) {
  TempDir dir;
  const std::string path = dir.file("s");
  {
    auto s = LedgerSpool::open(path);
    ASSERT_TRUE((*s)->append({row("a", 1)}));
    ASSERT_TRUE((*s)->append({row("b", 2)}));
  }
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-3, std::ios::end);
    f.put('\x7f');
  }
  auto s = LedgerSpool::open(path);
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->pending_rows(), 1u);
  // A garbage header claiming a huge length is bounded, not allocated.
  {
    std::ofstream f(path, std::ios::app | std::ios::binary);
    f.write("\xff\xff\xff\xff\0\0\0\0", 8);
  }
  auto again = LedgerSpool::open(path);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->pending_rows(), 1u);
}

TEST(LedgerSpool, DecodeRejectsTruncatedPayload) {
  std::vector<LedgerRow> rows = {row("a", 1)};
  const std::string payload = encode_batch(rows, 0, 1);
  std::vector<LedgerRow> out;
  EXPECT_TRUE(decode_batch(payload, out));
  for (size_t cut = 0; cut < payload.size(); ++cut) {
    std::vector<LedgerRow> partial;
    EXPECT_FALSE(
        decode_batch(std::string_view(payload).substr(0, cut), partial))
        << cut;
  }
}

} // namespace
} // namespace sy::store::spool
