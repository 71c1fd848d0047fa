#include "providers/gemini/stream.h"

#include "providers/gemini/errors.h"
#include "providers/gemini/response.h"

namespace sy::providers::gemini {

using simdjson::dom::element;

namespace {
constexpr std::size_t kMaxCandidates = 16;
}

GeminiStreamTranscoder::GeminiStreamTranscoder(std::string model, bool client_wants_usage,
                                               std::shared_ptr<const IdSource> ids)
    : ids_(std::move(ids)),
      writer_(ids_->completion_id(), std::move(model), ids_->now_seconds()),
      client_wants_usage_(client_wants_usage) {}

GeminiStreamTranscoder::CandidateState& GeminiStreamTranscoder::candidate(std::size_t index) {
  if (index >= candidates_.size()) candidates_.resize(index + 1);
  return candidates_[index];
}

Expected<std::monostate, UpstreamError> GeminiStreamTranscoder::feed(std::string_view bytes,
                                                                     std::string& out) {
  if (failed_) return unexpected(malformed_response("data after a stream error"));
  parser_.feed(bytes);
  const std::size_t before = out.size();
  for (;;) {
    api::SseEvent ev;
    const auto status = parser_.next(ev);
    if (status == api::SseParser::Status::kNeedMore) break;
    if (status == api::SseParser::Status::kTooLarge) {
      failed_ = true;
      return unexpected(malformed_response("an oversized stream event"));
    }
    auto r = on_event(ev.data, out);
    if (!r) {
      failed_ = true;
      if (out.size() > before) started_ = true;  // events already appended still count
      return r;
    }
  }
  if (out.size() > before) started_ = true;
  return std::monostate{};
}

Expected<std::monostate, UpstreamError> GeminiStreamTranscoder::on_event(std::string_view data,
                                                                         std::string& out) {
  if (data.empty() || data == "[DONE]") return std::monostate{};
  element root;
  if (json_.parse(data.data(), data.size()).get(root) != simdjson::SUCCESS || !root.is_object())
    return unexpected(malformed_response("an undecodable stream event"));
  element v;
  if (root["error"].get(v) == simdjson::SUCCESS && v.is_object())
    return unexpected(classify_gemini_error_object(0, v));
  if (root["usageMetadata"].get(v) == simdjson::SUCCESS) read_usage_metadata(v, usage_);

  simdjson::dom::array candidates;
  if (root["candidates"].get_array().get(candidates) != simdjson::SUCCESS) {
    // A blocked prompt arrives as promptFeedback without candidates.
    if (root["promptFeedback"]["blockReason"].get(v) == simdjson::SUCCESS) {
      CandidateState& c = candidate(0);
      if (!c.role_sent) writer_.role(out);
      c.role_sent = true;
      if (!c.finished) writer_.finish(out, "content_filter");
      c.finished = true;
      any_finished_ = true;
    }
    return std::monostate{};
  }
  std::size_t position = 0;
  for (element cand : candidates) {
    int64_t index = static_cast<int64_t>(position++);
    if (cand["index"].get(v) == simdjson::SUCCESS) index = json_int(cand, "index");
    if (index < 0 || index >= static_cast<int64_t>(kMaxCandidates))
      return unexpected(malformed_response("a stream event with a bad candidate index"));
    CandidateState& c = candidate(static_cast<std::size_t>(index));
    const int i = static_cast<int>(index);
    if (c.finished) continue;
    if (!c.role_sent) {
      writer_.role(out, i);
      c.role_sent = true;
    }
    simdjson::dom::array parts;
    if (cand["content"]["parts"].get_array().get(parts) == simdjson::SUCCESS) {
      for (element part : parts) {
        if (part["thought"].get(v) == simdjson::SUCCESS && v.is_bool() &&
            v.get_bool().value_unsafe())
          continue;
        if (part["text"].get(v) == simdjson::SUCCESS && v.is_string()) {
          std::string_view text = v.get_string().value_unsafe();
          if (!text.empty()) writer_.content(out, text, i);
        } else if (part["functionCall"].get(v) == simdjson::SUCCESS && v.is_object()) {
          element args;
          std::string arguments =
              v["args"].get(args) == simdjson::SUCCESS ? to_json(args) : std::string("{}");
          writer_.tool_call_start(out, c.tool_calls++, ids_->tool_call_id(), json_str(v, "name"),
                                  arguments, i);
        }
      }
    }
    std::string_view reason = json_str(cand, "finishReason");
    if (!reason.empty() && reason != "FINISH_REASON_UNSPECIFIED") {
      writer_.finish(out, map_finish_reason(reason, c.tool_calls > 0), i);
      c.finished = true;
      any_finished_ = true;
    }
  }
  return std::monostate{};
}

Expected<std::monostate, UpstreamError> GeminiStreamTranscoder::finish(std::string& out) {
  if (failed_) return unexpected(malformed_response("a broken stream"));
  if (parser_.pending() > 0) {
    // The body may end without the final blank line; dispatch what is left.
    std::string tail;
    auto r = feed("\n\n", tail);
    out += tail;
    if (!r) return r;
  }
  if (!any_finished_) {
    failed_ = true;
    return unexpected(UpstreamError{
        ErrorClass::kServerError,
        api::bad_gateway("The Gemini stream ended before it finished.", "upstream_truncated")});
  }
  if (client_wants_usage_ && usage_.known) writer_.usage(out, usage_);
  ChunkWriter::done(out);
  started_ = true;
  return std::monostate{};
}

}  // namespace sy::providers::gemini
