#include "providers/anthropic/stream.h"

#include "providers/anthropic/errors.h"
#include "providers/anthropic/json_out.h"
#include "providers/anthropic/response.h"

namespace sy::providers::anthropic {

using simdjson::dom::element;

namespace {

UpstreamError decode_error(std::string why) {
  return {ErrorClass::kServerError,
          api::bad_gateway("Provider anthropic sent an undecodable stream: " + why)};
}

}  // namespace

AnthropicStreamTranscoder::AnthropicStreamTranscoder(std::string fallback_model, int64_t created,
                                                     bool include_usage)
    : include_usage_(include_usage), model_(std::move(fallback_model)), created_(created), writer_("", model_, created) {}

int AnthropicStreamTranscoder::tool_index(int64_t block) const {
  for (const auto& [b, t] : tool_blocks_) {
    if (b == block) return t;
  }
  return -1;
}

void AnthropicStreamTranscoder::ensure_role(std::string& out) {
  if (!writer_ready_) {
    writer_ = ChunkWriter(id_, model_, created_);
    writer_ready_ = true;
  }
  if (role_sent_) return;
  writer_.role(out);
  role_sent_ = true;
  started_ = true;
}

Expected<std::monostate, UpstreamError> AnthropicStreamTranscoder::feed(std::string_view bytes,
                                                                        std::string& out) {
  if (failed_) return unexpected(decode_error("stream already failed"));
  if (done_) return std::monostate{};
  parser_.feed(bytes);
  api::SseEvent ev;
  for (;;) {
    switch (parser_.next(ev)) {
      case api::SseParser::Status::kNeedMore:
        return std::monostate{};
      case api::SseParser::Status::kTooLarge:
        failed_ = true;
        return unexpected(decode_error("event too large"));
      case api::SseParser::Status::kEvent:
        break;
    }
    auto r = on_event(ev.event, ev.data, out);
    if (!r) {
      failed_ = true;
      return r;
    }
    if (done_) return std::monostate{};
  }
}

Expected<std::monostate, UpstreamError> AnthropicStreamTranscoder::on_event(std::string_view name,
                                                                            std::string_view data,
                                                                            std::string& out) {
  element root;
  if (json_.parse(data.data(), data.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return unexpected(decode_error("event data is not a JSON object"));
  }
  std::string_view type = name;
  get_if(root["type"].get_string(), type);

  if (type == "message_start") {
    element msg;
    if (root["message"].get(msg) == simdjson::SUCCESS && msg.is_object()) {
      std::string_view s;
      if (msg["id"].get_string().get(s) == simdjson::SUCCESS) id_ = s;
      if (msg["model"].get_string().get(s) == simdjson::SUCCESS && !s.empty()) model_ = s;
      element usage;
      if (msg["usage"].get(usage) == simdjson::SUCCESS && usage.is_object()) {
        merge_usage(usage, input_tokens_, usage_);
      }
    }
    ensure_role(out);
  } else if (type == "content_block_start") {
    element block;
    int64_t index = 0;
    get_if(root["index"].get_int64(), index);
    if (root["content_block"].get(block) != simdjson::SUCCESS) return std::monostate{};
    std::string_view btype;
    get_if(block["type"].get_string(), btype);
    if (btype == "text") {
      std::string_view text;
      if (block["text"].get_string().get(text) == simdjson::SUCCESS && !text.empty()) {
        ensure_role(out);
        writer_.content(out, text);
      }
    } else if (btype == "tool_use") {
      if (tool_blocks_.size() >= kMaxToolCalls) {
        return unexpected(decode_error("too many tool calls"));
      }
      std::string_view id, tool_name;
      get_if(block["id"].get_string(), id);
      get_if(block["name"].get_string(), tool_name);
      int t = static_cast<int>(tool_blocks_.size());
      tool_blocks_.emplace_back(index, t);
      ensure_role(out);
      writer_.tool_call_start(out, t, id, tool_name, "");
    }
  } else if (type == "content_block_delta") {
    element delta;
    int64_t index = 0;
    get_if(root["index"].get_int64(), index);
    if (root["delta"].get(delta) != simdjson::SUCCESS) return std::monostate{};
    std::string_view dtype;
    get_if(delta["type"].get_string(), dtype);
    if (dtype == "text_delta") {
      std::string_view text;
      if (delta["text"].get_string().get(text) == simdjson::SUCCESS && !text.empty()) {
        ensure_role(out);
        writer_.content(out, text);
      }
    } else if (dtype == "input_json_delta") {
      std::string_view partial;
      int t = tool_index(index);
      if (t >= 0 && delta["partial_json"].get_string().get(partial) == simdjson::SUCCESS &&
          !partial.empty()) {
        writer_.tool_call_arguments(out, t, partial);
      }
    }
  } else if (type == "message_delta") {
    std::string_view stop_reason;
    if (root["delta"]["stop_reason"].get_string().get(stop_reason) == simdjson::SUCCESS) {
      finish_reason_ = finish_reason_for(stop_reason);
    }
    element usage;
    if (root["usage"].get(usage) == simdjson::SUCCESS && usage.is_object()) {
      merge_usage(usage, input_tokens_, usage_);
    }
  } else if (type == "message_stop") {
    ensure_role(out);
    writer_.finish(out, finish_reason_.empty() ? "stop" : finish_reason_);
    usage_.known = true;
    if (include_usage_) writer_.usage(out, usage_);
    ChunkWriter::done(out);
    done_ = true;
  } else if (type == "error") {
    std::string_view etype, message;
    get_if(root["error"]["type"].get_string(), etype);
    get_if(root["error"]["message"].get_string(), message);
    return unexpected(stream_error(etype, message));
  }
  return std::monostate{};
}

Expected<std::monostate, UpstreamError> AnthropicStreamTranscoder::finish(std::string& out) {
  if (done_) return std::monostate{};
  failed_ = true;
  return unexpected(
      UpstreamError{ErrorClass::kTransport,
                    api::bad_gateway("Provider anthropic ended the stream before message_stop.",
                                     "upstream_truncated")});
}

}  // namespace sy::providers::anthropic
