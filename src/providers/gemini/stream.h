// Transcodes Gemini's streamGenerateContent?alt=sse body (SSE events whose
// data is a GenerateContentResponse) into OpenAI chat.completion.chunk
// events: a role chunk first, text deltas, each functionCall as one whole
// tool-call delta, a finish chunk per candidate, the usage chunk (choices: [],
// only when the client asked for it) and "data: [DONE]".
// An in-stream {"error":...} object, undecodable JSON or an oversized event is
// an UpstreamError; a stream that ends before any finishReason is truncated.
// Per response; single-threaded.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api/sse.h"
#include "providers/adapter.h"
#include "providers/chat_output.h"

namespace sy::providers::gemini {

class GeminiStreamTranscoder : public StreamTranscoder {
 public:
  GeminiStreamTranscoder(std::string model, bool client_wants_usage,
                         std::shared_ptr<const IdSource> ids);

  // StreamTranscoder
  Expected<std::monostate, UpstreamError> feed(std::string_view bytes, std::string& out) override;
  Expected<std::monostate, UpstreamError> finish(std::string& out) override;
  const api::Usage& usage() const override { return usage_; }
  bool started() const override { return started_; }

 private:
  Expected<std::monostate, UpstreamError> on_event(std::string_view data, std::string& out);

  struct CandidateState {
    bool role_sent = false;
    bool finished = false;
    int tool_calls = 0;
  };
  CandidateState& candidate(std::size_t index);

  api::SseParser parser_;
  simdjson::dom::parser json_;
  std::shared_ptr<const IdSource> ids_;
  ChunkWriter writer_;
  bool client_wants_usage_;
  std::vector<CandidateState> candidates_;
  api::Usage usage_;
  bool started_ = false;
  bool any_finished_ = false;
  bool failed_ = false;
};

}  // namespace sy::providers::gemini
