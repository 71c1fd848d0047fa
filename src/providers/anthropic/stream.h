// Transcodes an Anthropic Messages SSE stream into OpenAI chat.completion.chunk
// events, event by event, never buffering the whole answer.
//
// Order out: a role chunk (on message_start, or before the first content if
// message_start is missing); text_delta → delta.content; tool_use start →
// delta.tool_calls[{index,id,type,function{name,arguments:""}}];
// input_json_delta → delta.tool_calls[{index,function{arguments}}]; on
// message_stop a finish_reason chunk, a usage chunk ("choices": [], always:
// the relay strips it when the client did not ask) and "data: [DONE]".
// ping, content_block_stop, thinking and unknown events are skipped.
//
// Errors: an `error` event → its classified UpstreamError (overloaded_error →
// kOverloaded); undecodable or oversized events → kServerError; finish()
// before message_stop → kTransport (truncated). Memory is bounded by the SSE
// parser's event limit and a cap on tool calls. Per response; single-threaded.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "api/sse.h"
#include "providers/adapter.h"
#include "providers/chat_output.h"

namespace sy::providers::anthropic {

class AnthropicStreamTranscoder : public StreamTranscoder {
 public:
  static constexpr std::size_t kMaxEventBytes = 1 << 20;
  static constexpr std::size_t kMaxToolCalls = 1024;

  // `fallback_model` names the model until message_start tells it; `created`
  // is the chunks' Unix time. The usage chunk (choices: []) is emitted only
  // when `include_usage` (the client's stream_options.include_usage), as
  // OpenAI does; usage() is filled either way.
  AnthropicStreamTranscoder(std::string fallback_model, int64_t created, bool include_usage = true);

  // StreamTranscoder
  Expected<std::monostate, UpstreamError> feed(std::string_view bytes, std::string& out) override;
  Expected<std::monostate, UpstreamError> finish(std::string& out) override;
  const api::Usage& usage() const override { return usage_; }
  bool started() const override { return started_; }

 private:
  bool include_usage_ = true;
  Expected<std::monostate, UpstreamError> on_event(std::string_view name, std::string_view data,
                                                   std::string& out);
  void ensure_role(std::string& out);
  // The OpenAI tool index for Anthropic block `block`, or -1.
  int tool_index(int64_t block) const;

  api::SseParser parser_{kMaxEventBytes};
  simdjson::dom::parser json_;
  std::string id_;
  std::string model_;
  int64_t created_;
  ChunkWriter writer_;
  bool writer_ready_ = false;  // writer_ has the final id/model
  bool role_sent_ = false;
  bool done_ = false;
  bool failed_ = false;
  bool started_ = false;
  std::string finish_reason_;
  int64_t input_tokens_ = 0;
  api::Usage usage_;
  std::vector<std::pair<int64_t, int>> tool_blocks_;  // Anthropic block index → tool index
};

}  // namespace sy::providers::anthropic
