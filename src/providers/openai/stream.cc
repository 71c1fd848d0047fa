#include "providers/openai/stream.h"

#include "providers/openai/adapter.h"

namespace sy::providers::openai {

namespace {
// True if the JSON text has a member "key" whose value starts with '{'.
bool has_object_member(std::string_view json, std::string_view quoted_key) {
  std::size_t at = json.find(quoted_key);
  while (at != std::string_view::npos) {
    std::size_t i = at + quoted_key.size();
    while (i < json.size() && (json[i] == ' ' || json[i] == ':' || json[i] == '\n')) ++i;
    if (i < json.size() && json[i] == '{') return true;
    at = json.find(quoted_key, at + 1);
  }
  return false;
}

UpstreamError stream_error(std::string message) {
  return {ErrorClass::kServerError, api::bad_gateway(std::move(message), "upstream_stream_error")};
}
}  // namespace

Expected<std::monostate, UpstreamError> OpenAiStreamRelay::feed(std::string_view bytes,
                                                               std::string& out) {
  parser_.feed(bytes);
  api::SseEvent ev;
  for (;;) {
    auto st = parser_.next(ev);
    if (st == api::SseParser::Status::kNeedMore) break;
    if (st == api::SseParser::Status::kTooLarge) {
      return unexpected(stream_error("The upstream sent an oversized stream event."));
    }
    if (done_) continue;  // ignore anything after [DONE]
    if (ev.data == "[DONE]") {
      done_ = true;
      api::append_sse_data(out, ev.data);
      started_ = true;
      continue;
    }
    const bool has_usage = has_object_member(ev.data, "\"usage\"");
    const bool has_error = ev.data.find("\"error\"") != std::string_view::npos;
    bool usage_only = false;
    if (has_usage || has_error) {
      thread_local simdjson::dom::parser json;
      simdjson::dom::element root;
      if (json.parse(ev.data.data(), ev.data.size()).get(root) == simdjson::SUCCESS &&
          root.is_object()) {
        simdjson::dom::element err;
        if (root["error"].get(err) == simdjson::SUCCESS && !err.is_null()) {
          UpstreamError e = classify_openai_error(500, ev.data, "upstream");
          e.error.status = 502;
          return unexpected(std::move(e));
        }
        simdjson::dom::element usage;
        if (root["usage"].get(usage) == simdjson::SUCCESS) read_usage(usage, usage_);
        simdjson::dom::array choices;
        usage_only = root["choices"].get_array().get(choices) == simdjson::SUCCESS &&
                     choices.size() == 0;
      }
    }
    if (usage_only && !client_wants_usage_) continue;
    api::append_sse_data(out, ev.data);
    started_ = true;
  }
  return std::monostate{};
}

Expected<std::monostate, UpstreamError> OpenAiStreamRelay::finish(std::string&) {
  if (!done_) {
    return unexpected(stream_error("The upstream closed the stream before it finished."));
  }
  return std::monostate{};
}

}  // namespace sy::providers::openai
