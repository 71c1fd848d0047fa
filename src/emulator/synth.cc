#include "emulator/synth.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>

#include "emulator/json_writer.h"

namespace sy::emulator {
namespace {

constexpr std::string_view kFiller[] = {
    "lorem",  "ipsum", "dolor",  "sit",     "amet",   "consectetur", "adipiscing",
    "elit",   "sed",   "do",     "eiusmod", "tempor", "incididunt",  "ut",
    "labore", "et",    "dolore", "magna",   "aliqua"};

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) words.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return words;
}

// First `n` bytes of `s`, cut back to a UTF-8 code point boundary.
std::string_view utf8_prefix(std::string_view s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

bool contains_weather(std::string_view s) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return lower.find("weather") != std::string::npos;
}

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

std::string Completion::text() const {
  std::string out;
  for (const auto& p : pieces) out += p;
  return out;
}

int64_t count_words(std::string_view text) {
  int64_t n = 0;
  bool in_word = false;
  for (unsigned char c : text) {
    bool space = std::isspace(c);
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

int64_t prompt_tokens_for_words(int64_t words) {
  return std::max<int64_t>(1, (words * 13 + 9) / 10);
}

Completion plan_completion(const RequestFacts& facts, const Scenario& scenario) {
  Completion c;
  c.prompt_tokens = prompt_tokens_for_words(facts.prompt_words);
  if (facts.has_tools && (scenario.tool || contains_weather(facts.last_user_text))) {
    c.tool_call = true;
    c.finish = Finish::kToolCalls;
    c.tool_name = facts.tool_name;
    JsonWriter w;
    w.begin_object()
        .member(facts.tool_arg_name.empty() ? "location" : facts.tool_arg_name, "San Francisco, CA")
        .end_object();
    c.tool_args_json = w.take();
    for (std::size_t i = 0; i < c.tool_args_json.size(); i += 8) {
      c.arg_fragments.push_back(c.tool_args_json.substr(i, 8));
    }
    c.completion_tokens = static_cast<int64_t>(c.arg_fragments.size());
    return c;
  }
  std::string sentence = "This is the emulator answering: ";
  sentence += utf8_prefix(facts.last_user_text, 40);
  std::vector<std::string> words = split_words(sentence);
  int64_t want = scenario.tokens.value_or(kDefaultTokens);
  int64_t n = want;
  if (facts.max_tokens && *facts.max_tokens < n) {
    n = std::max<int64_t>(0, *facts.max_tokens);
    c.finish = Finish::kLength;
  }
  for (int64_t i = 0; i < n; ++i) {
    std::string word = static_cast<std::size_t>(i) < words.size()
                           ? words[i]
                           : std::string(kFiller[(i - words.size()) % std::size(kFiller)]);
    c.pieces.push_back(i == 0 ? word : " " + word);
  }
  c.completion_tokens = n;
  switch (scenario.finish) {
    case FinishOverride::kLength:
      c.finish = Finish::kLength;
      break;
    case FinishOverride::kContentFilter:
      c.finish = Finish::kContentFilter;
      break;
    case FinishOverride::kStopSequence:
      c.finish = Finish::kStopSequence;
      break;
    case FinishOverride::kNone:
      break;
  }
  return c;
}

std::string random_id(std::string_view prefix, int n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out(prefix);
  for (int i = 0; i < n; ++i) out += kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
  return out;
}

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t unix_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<float> embedding_for(std::string_view text, int dims) {
  uint64_t seed = 0xcbf29ce484222325ull;  // FNV-1a
  for (unsigned char c : text) seed = (seed ^ c) * 0x100000001b3ull;
  std::vector<float> v(static_cast<std::size_t>(std::max(dims, 0)));
  double norm = 0;
  for (auto& x : v) {
    x = static_cast<float>(static_cast<double>(splitmix64(seed) >> 11) / 9007199254740992.0 * 2 -
                           1);
    norm += double{x} * x;
  }
  norm = std::sqrt(norm);
  if (norm > 0) {
    for (auto& x : v) x = static_cast<float>(x / norm);
  }
  return v;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += kTable[n >> 18];
    out += kTable[(n >> 12) & 63];
    out += kTable[(n >> 6) & 63];
    out += kTable[n & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    out += kTable[n >> 18];
    out += kTable[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += kTable[n >> 18];
    out += kTable[(n >> 12) & 63];
    out += kTable[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace sy::emulator
