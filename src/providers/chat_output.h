// OpenAI-shaped output for translating adapters (Gemini, Bedrock): a
// chat.completion body built from a decoded answer, and chat.completion.chunk
// SSE events written one by one by a ChunkWriter. Also the IdSource that
// supplies response ids, tool-call ids and timestamps, injectable so tests are
// deterministic.
//
// Plain values; ChunkWriter is per stream and single-threaded. The default
// IdSource is thread-safe (an atomic counter and the system clock).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/usage.h"

namespace sy::providers {

// Supplies ids and the clock. Implementations must be thread-safe: one
// adapter instance serves every worker.
class IdSource {
 public:
  virtual ~IdSource() = default;
  virtual std::string completion_id() const = 0;  // "chatcmpl-..."
  virtual std::string tool_call_id() const = 0;   // "call_..."
  virtual int64_t now_seconds() const = 0;        // for "created"
};

// Random-prefixed counter ids and the system clock.
std::shared_ptr<const IdSource> default_id_source();

struct ToolCallOut {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text
};

struct ChoiceOut {
  std::string content;
  bool has_content = false;  // false → "content": null
  std::vector<ToolCallOut> tool_calls;
  std::string finish_reason;  // empty → null
};

struct ChatResult {
  std::string id;
  std::string model;
  int64_t created = 0;
  std::vector<ChoiceOut> choices;
  api::Usage usage;
};

// The chat.completion JSON for `r`.
std::string completion_body(const ChatResult& r);

// The OpenAI "usage" object for `u`.
void append_usage_json(std::string& out, const api::Usage& u);

// Appends `s` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

// Writes a simdjson element back as compact JSON text.
std::string to_json(simdjson::dom::element e);

// obj[key] as an integer (doubles truncated); 0 when absent or not a number.
int64_t json_int(simdjson::dom::element obj, std::string_view key);
// obj[key] as a string; "" when absent or not a string. Views into the DOM.
std::string_view json_str(simdjson::dom::element obj, std::string_view key);

// Writes chat.completion.chunk events ("data: {...}\n\n") for one stream.
class ChunkWriter {
 public:
  ChunkWriter(std::string id, std::string model, int64_t created)
      : id_(std::move(id)), model_(std::move(model)), created_(created) {}

  void role(std::string& out, int index = 0);
  void content(std::string& out, std::string_view text, int index = 0);
  // A tool call's first delta (id, name and optionally the first arguments).
  void tool_call_start(std::string& out, int tool_index, std::string_view call_id,
                       std::string_view name, std::string_view arguments, int index = 0);
  void tool_call_arguments(std::string& out, int tool_index, std::string_view fragment,
                           int index = 0);
  void finish(std::string& out, std::string_view finish_reason, int index = 0);
  // The usage chunk, with "choices": [].
  void usage(std::string& out, const api::Usage& u);
  static void done(std::string& out);

 private:
  void open(std::string& out);
  void close(std::string& out);

  std::string id_;
  std::string model_;
  int64_t created_;
};

}  // namespace sy::providers
