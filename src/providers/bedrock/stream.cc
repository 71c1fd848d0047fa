#include "providers/bedrock/stream.h"

#include "providers/bedrock/errors.h"
#include "providers/bedrock/response.h"

namespace sy::providers::bedrock {

using simdjson::dom::element;

namespace {
constexpr std::size_t kMaxToolCalls = 1024;
}

BedrockStreamTranscoder::BedrockStreamTranscoder(std::string model, bool client_wants_usage,
                                                 std::shared_ptr<const IdSource> ids)
    : ids_(std::move(ids)),
      writer_(ids_->completion_id(), std::move(model), ids_->now_seconds()),
      client_wants_usage_(client_wants_usage) {}

void BedrockStreamTranscoder::ensure_role(std::string& out) {
  if (role_sent_) return;
  writer_.role(out);
  role_sent_ = true;
}

Expected<std::monostate, UpstreamError> BedrockStreamTranscoder::feed(std::string_view bytes,
                                                                      std::string& out) {
  if (failed_) return unexpected(malformed_response("data after a stream error"));
  decoder_.feed(bytes);
  const std::size_t before = out.size();
  EventMessage msg;
  for (;;) {
    const auto status = decoder_.next(msg);
    if (status == EventStreamDecoder::Status::kNeedMore) break;
    if (status == EventStreamDecoder::Status::kError) {
      failed_ = true;
      return unexpected(malformed_response("a corrupt event stream (" + decoder_.error() + ")"));
    }
    auto r = on_message(msg, out);
    if (!r) {
      failed_ = true;
      if (out.size() > before) started_ = true;  // events already appended still count
      return r;
    }
  }
  if (out.size() > before) started_ = true;
  return std::monostate{};
}

Expected<std::monostate, UpstreamError> BedrockStreamTranscoder::on_message(const EventMessage& msg,
                                                                            std::string& out) {
  const std::string_view message_type = msg.header_string(":message-type");
  if (message_type == "exception")
    return unexpected(classify_stream_exception(msg.header_string(":exception-type"), msg.payload));
  if (message_type == "error") {
    return unexpected(UpstreamError{
        ErrorClass::kServerError,
        api::bad_gateway(
            "The Bedrock stream failed: " + std::string(msg.header_string(":error-message")),
            std::string(msg.header_string(":error-code")))});
  }
  if (message_type != "event") return std::monostate{};

  const std::string_view type = msg.header_string(":event-type");
  element root;
  if (json_.parse(msg.payload.data(), msg.payload.size()).get(root) != simdjson::SUCCESS ||
      !root.is_object())
    return unexpected(malformed_response("an undecodable stream event"));

  if (type == "messageStart") {
    ensure_role(out);
  } else if (type == "contentBlockStart") {
    element tool;
    if (root["start"]["toolUse"].get(tool) == simdjson::SUCCESS && tool.is_object()) {
      if (tool_index_.size() >= kMaxToolCalls)
        return unexpected(malformed_response("too many tool calls"));
      ensure_role(out);
      const int index = static_cast<int>(tool_index_.size());
      tool_index_[json_int(root, "contentBlockIndex")] = index;
      writer_.tool_call_start(out, index, json_str(tool, "toolUseId"), json_str(tool, "name"), "");
    }
  } else if (type == "contentBlockDelta") {
    element delta;
    if (root["delta"].get(delta) != simdjson::SUCCESS) return std::monostate{};
    element v;
    if (delta["text"].get(v) == simdjson::SUCCESS && v.is_string()) {
      ensure_role(out);
      std::string_view text = v.get_string().value_unsafe();
      if (!text.empty()) writer_.content(out, text);
    } else if (delta["toolUse"].get(v) == simdjson::SUCCESS && v.is_object()) {
      auto it = tool_index_.find(json_int(root, "contentBlockIndex"));
      if (it == tool_index_.end())
        return unexpected(malformed_response("a tool delta without its start"));
      std::string_view fragment = json_str(v, "input");
      if (!fragment.empty()) writer_.tool_call_arguments(out, it->second, fragment);
    }
    // reasoningContent and other delta kinds are not part of the OpenAI chunk shape.
  } else if (type == "messageStop") {
    ensure_role(out);
    if (!stopped_) writer_.finish(out, map_stop_reason(json_str(root, "stopReason")));
    stopped_ = true;
  } else if (type == "metadata") {
    element usage;
    if (root["usage"].get(usage) == simdjson::SUCCESS) read_converse_usage(usage, usage_);
  }
  return std::monostate{};
}

Expected<std::monostate, UpstreamError> BedrockStreamTranscoder::finish(std::string& out) {
  if (failed_) return unexpected(malformed_response("a broken stream"));
  if (!stopped_ || decoder_.pending() > 0) {
    failed_ = true;
    return unexpected(UpstreamError{
        ErrorClass::kServerError,
        api::bad_gateway("The Bedrock stream ended before it finished.", "upstream_truncated")});
  }
  if (client_wants_usage_ && usage_.known) writer_.usage(out, usage_);
  ChunkWriter::done(out);
  started_ = true;
  return std::monostate{};
}

}  // namespace sy::providers::bedrock
