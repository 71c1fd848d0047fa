// Arbitrary bytes, pathological lengths and concurrent use.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tokenize/tokenizer.h"

namespace sy::tokenize {
namespace {

constexpr Encoding kEncodings[] = {Encoding::kO200kBase, Encoding::kCl100kBase};

TEST(RobustnessTest, RandomBytesNeverCrashAndCountEveryByte) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> length(0, 400);
  for (int round = 0; round < 2000; ++round) {
    std::string text(length(rng), '\0');
    for (char& c : text) c = static_cast<char>(byte(rng));
    for (Encoding encoding : kEncodings) {
      const Tokenizer& tok = tokenizer(encoding);
      const std::vector<uint32_t> ids = tok.encode(text);
      EXPECT_EQ(tok.count(text), ids.size());
      EXPECT_LE(ids.size(), text.size());
      EXPECT_EQ(ids.empty(), text.empty());
    }
  }
}

TEST(RobustnessTest, InvalidUtf8IsCountedNotSkipped) {
  const Tokenizer& tok = tokenizer(Encoding::kO200kBase);
  EXPECT_GE(tok.count("\xff"), 1u);
  EXPECT_GE(tok.count("abc\xc3"), 2u);  // truncated sequence at the end
  EXPECT_GE(tok.count("\xe6\x97"
                      "abc"),
            2u);
  EXPECT_EQ(tok.count("hello \xff world"),
            tok.count("hello ") + tok.count("\xff") + tok.count(" world"));
}

TEST(RobustnessTest, LongUniformRunsAreFast) {
  // One piece each; exercises the O(n log n) merge path and PCRE2 on long runs.
  for (Encoding encoding : kEncodings) {
    const Tokenizer& tok = tokenizer(encoding);
    for (const std::string& text :
         {std::string(1 << 18, 'a'), std::string(1 << 18, ' '), std::string(1 << 18, '\n'),
          std::string(1 << 18, '!'), std::string(1 << 18, '7')}) {
      const size_t count = tok.count(text);
      EXPECT_GT(count, 0u);
      EXPECT_LT(count, text.size());
    }
  }
}

TEST(RobustnessTest, ConcurrentCountsAgree) {
  const std::string text = "Concurrency check: 日本語 text, code `x += 1;` and emoji 😀 repeated. ";
  std::string big;
  for (int i = 0; i < 200; ++i) big += text;
  const size_t expected_o200k = tokenizer(Encoding::kO200kBase).count(big);
  const size_t expected_cl100k = tokenizer(Encoding::kCl100kBase).count(big);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        if (tokenizer(Encoding::kO200kBase).count(big) != expected_o200k) ++mismatches[t];
        if (tokenizer(Encoding::kCl100kBase).count(big) != expected_cl100k) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

}  // namespace
}  // namespace sy::tokenize
