// Transcodes a Bedrock ConverseStream body (AWS event-stream frames carrying
// messageStart, contentBlockStart, contentBlockDelta, contentBlockStop,
// messageStop and metadata events) into OpenAI chat.completion.chunk events:
// the role chunk, text deltas, tool-call start and argument deltas, the
// finish chunk at messageStop, then at finish() the usage chunk (choices: [],
// only when the client asked for it) and "data: [DONE]".
// Exceptions (:message-type exception, e.g. throttlingException) and corrupt
// frames are UpstreamErrors; a body that ends before messageStop is truncated.
// Per response; single-threaded.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "providers/adapter.h"
#include "providers/bedrock/event_stream.h"
#include "providers/chat_output.h"

namespace sy::providers::bedrock {

class BedrockStreamTranscoder : public StreamTranscoder {
 public:
  BedrockStreamTranscoder(std::string model, bool client_wants_usage,
                          std::shared_ptr<const IdSource> ids);

  // StreamTranscoder
  Expected<std::monostate, UpstreamError> feed(std::string_view bytes, std::string& out) override;
  Expected<std::monostate, UpstreamError> finish(std::string& out) override;
  const api::Usage& usage() const override { return usage_; }
  bool started() const override { return started_; }

 private:
  Expected<std::monostate, UpstreamError> on_message(const EventMessage& msg, std::string& out);
  void ensure_role(std::string& out);

  EventStreamDecoder decoder_;
  simdjson::dom::parser json_;
  std::shared_ptr<const IdSource> ids_;
  ChunkWriter writer_;
  bool client_wants_usage_;
  std::map<int64_t, int> tool_index_;  // contentBlockIndex → OpenAI tool_calls index
  api::Usage usage_;
  bool role_sent_ = false;
  bool stopped_ = false;
  bool started_ = false;
  bool failed_ = false;
};

}  // namespace sy::providers::bedrock
