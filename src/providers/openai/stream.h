// Relays an OpenAI-format SSE stream to the client event by event. It
// extracts usage from the trailing usage chunk, drops that chunk when the
// client did not ask for it, turns an in-stream error object into an
// UpstreamError, and reports truncation when the upstream ends without
// "data: [DONE]". Per response; single-threaded.
#pragma once

#include "api/sse.h"
#include "providers/adapter.h"

namespace sy::providers::openai {

class OpenAiStreamRelay : public StreamTranscoder {
 public:
  explicit OpenAiStreamRelay(bool client_wants_usage) : client_wants_usage_(client_wants_usage) {}

  // StreamTranscoder
  Expected<std::monostate, UpstreamError> feed(std::string_view bytes, std::string& out) override;
  Expected<std::monostate, UpstreamError> finish(std::string& out) override;
  const api::Usage& usage() const override { return usage_; }
  bool started() const override { return started_; }

 private:
  api::SseParser parser_;
  api::Usage usage_;
  bool client_wants_usage_;
  bool done_ = false;
  bool started_ = false;
};

}  // namespace sy::providers::openai
