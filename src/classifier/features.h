// Feature extraction for the router classifier: turns a chat request (or plain
// text) into a sparse vector of hashed text features plus a few dense
// structural features.
//
// Contract: pure functions, no allocation beyond the returned vectors, no
// exceptions, thread-safe (no shared state). Input from untrusted requests is
// bounded: at most kMaxTextBytes of message text (the most recent bytes) feed
// the hashed features; lengths and counts use the whole request. Prompt text
// is never logged or stored.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sy::classifier {

// Version of the feature definition; stored in model files so a model is never
// scored with features it was not trained on.
inline constexpr uint32_t kFeatureVersion = 2;

// Bytes of message text (taken from the end of the conversation) hashed into
// features. Longer prompts keep their real length in the dense features.
inline constexpr std::size_t kMaxTextBytes = 16 * 1024;

// Dense structural features, in the order of FeatureVector::dense.
enum DenseFeature : uint32_t {
  kLogChars = 0,    // log1p(total characters of message text)
  kLogWords,        // log1p(word count)
  kLogLines,        // log1p(line count)
  kCodeScore,       // code markers (fences, def/return, braces, semicolons)
  kMathScore,       // math markers (LaTeX, $...$, operators, "solve")
  kLogQuestions,    // log1p('?' count)
  kLogMessages,     // log1p(number of messages)
  kToolsPresent,    // 1 when the request declares tools
  kLogTools,        // log1p(number of tools)
  kImagesPresent,   // 1 when any message carries an image part
  kDigitRatio,      // digits / characters
  kUpperRatio,      // upper-case letters / characters
  kNonAsciiRatio,   // non-ASCII bytes / bytes
  kPunctRatio,      // punctuation / characters
  kAvgWordLen,      // mean word length (capped)
  kLogNumbers,      // log1p(numeric tokens)
  kLogSystemChars,  // log1p(system-message characters)
  kDecimalTrap,     // 1 when two decimals share an integer part and the one with more
                    // fraction digits is the smaller (9.11 vs 9.9): mini models misread these
  kDenseCount
};

// What extract() needs besides the text itself.
struct RequestShape {
  uint32_t messages = 1;        // conversation depth
  uint32_t tools = 0;           // tools declared
  uint32_t images = 0;          // image parts seen
  std::size_t total_chars = 0;  // full text length before truncation (0: text.size())
  std::size_t system_chars = 0;
};

// One sparse feature: hashed index (already reduced to the table size) and value.
struct SparseFeature {
  uint32_t index;
  float value;
  bool operator==(const SparseFeature&) const = default;
};

struct FeatureVector {
  std::vector<SparseFeature> sparse;  // sorted by index, duplicates merged
  std::array<float, kDenseCount> dense{};
};

// Features of plain text (e.g. one prompt). `hash_bits` is the log2 size of
// the hashed weight table (10..24).
FeatureVector features(std::string_view text, const RequestShape& shape, uint32_t hash_bits);

// Features of an OpenAI chat request root ({"messages": [...], "tools": [...]}).
// Missing or malformed fields are treated as absent; never fails.
FeatureVector features(simdjson::dom::object request, uint32_t hash_bits);

// Collects the message text and shape of an OpenAI messages array. Exposed for
// the training reader, which sees messages outside a full request.
void collect_messages(simdjson::dom::array messages, std::string& text, RequestShape& shape);

}  // namespace sy::classifier
