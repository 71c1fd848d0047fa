// Translation for the gateway's Anthropic-compatible endpoint POST /v1/messages:
// Anthropic SDK clients call the gateway, which serves them from any routed
// model by translating their request to an OpenAI chat completions body, and
// the OpenAI-shaped answer (body or chunk stream) back to Anthropic's shapes.
//
// - messages_to_openai_chat: system → a system message; text/image blocks →
//   content parts; tool_use → assistant tool_calls; tool_result → tool
//   messages (before the rest of that user turn); tools/tool_choice;
//   max_tokens; stop_sequences → stop; stream → stream + include_usage;
//   metadata.user_id → user. Validation errors use Anthropic's wording, status 400.
// - openai_response_to_messages: chat.completion → Anthropic message.
// - OpenAiToAnthropicStream: chat.completion.chunk SSE → Anthropic SSE in the
//   documented order (message_start, per block content_block_start/delta/stop,
//   message_delta, message_stop). OpenAI tool-call deltas must arrive call by
//   call (as OpenAI sends them): a delta without an id for a call other than
//   the open one cannot reopen a closed Anthropic block and is dropped.
// - anthropic_error_body: an ApiError as Anthropic's error JSON.
//
// Pure functions are thread-safe; a stream object is per response and
// single-threaded. Memory is bounded by an SSE event limit and a block cap.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "api/error.h"
#include "api/sse.h"
#include "util/expected.h"

namespace sy::providers::anthropic {

Expected<std::string, api::ApiError> messages_to_openai_chat(std::string_view anthropic_body);

Expected<std::string, api::ApiError> openai_response_to_messages(
    std::string_view openai_chat_completion_json, std::string_view requested_model);

// Anthropic error type for an HTTP status (400 invalid_request_error, 401
// authentication_error, 403 permission_error, 404 not_found_error, 413
// request_too_large, 429 rate_limit_error, 503/529 overloaded_error, 504
// timeout_error, other 5xx api_error).
std::string_view anthropic_error_type(int status);

// {"type":"error","error":{"type":...,"message":...}}
std::string anthropic_error_body(const api::ApiError& e);

// Appends "event: error\ndata: <anthropic_error_body>\n\n".
void append_anthropic_error_event(std::string& out, const api::ApiError& e);

class OpenAiToAnthropicStream {
 public:
  static constexpr std::size_t kMaxEventBytes = 1 << 20;
  static constexpr int kMaxBlocks = 4096;

  // `message_id` is the Anthropic message id ("msg_..."); `requested_model`
  // is echoed as the message's model.
  OpenAiToAnthropicStream(std::string message_id, std::string requested_model);

  // Consumes OpenAI SSE bytes (split anywhere) and appends Anthropic events.
  // Errors: an OpenAI error object in the stream, or undecodable/oversized
  // events; the caller then appends an error event and ends the response.
  Expected<std::monostate, api::ApiError> feed(std::string_view bytes, std::string& out);
  // The OpenAI stream ended: closes the message if a finish_reason or
  // [DONE] was seen, otherwise reports truncation.
  Expected<std::monostate, api::ApiError> finish(std::string& out);
  bool done() const { return done_; }

 private:
  enum class Block { kNone, kText, kTool };

  Expected<std::monostate, api::ApiError> on_chunk(std::string_view data, std::string& out);
  void ensure_started(std::string& out);
  void open_text(std::string& out);
  void open_tool(std::string& out, int64_t openai_index, std::string_view id,
                 std::string_view name);
  void close_block(std::string& out);
  void close_message(std::string& out);

  api::SseParser parser_{kMaxEventBytes};
  simdjson::dom::parser json_;
  std::string id_;
  std::string model_;
  bool started_ = false;
  bool done_ = false;
  bool failed_ = false;
  Block block_ = Block::kNone;
  int block_index_ = -1;            // index of the open (or last) Anthropic block
  int64_t tool_openai_index_ = -1;  // OpenAI tool_calls index of the open tool block
  std::string stop_reason_;         // Anthropic stop_reason once finish_reason arrived
  int64_t prompt_tokens_ = 0;
  int64_t completion_tokens_ = 0;
  int64_t cached_tokens_ = 0;
};

}  // namespace sy::providers::anthropic
