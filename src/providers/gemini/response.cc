#include "providers/gemini/response.h"

namespace sy::providers::gemini {

using simdjson::dom::element;

std::string_view map_finish_reason(std::string_view reason, bool has_tool_calls) {
  if (has_tool_calls && (reason == "STOP" || reason.empty())) return "tool_calls";
  if (reason == "STOP") return "stop";
  if (reason == "MAX_TOKENS") return "length";
  if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" ||
      reason == "PROHIBITED_CONTENT" || reason == "SPII" || reason == "IMAGE_SAFETY" ||
      reason == "LANGUAGE")
    return "content_filter";
  if (reason == "MALFORMED_FUNCTION_CALL" || reason == "UNEXPECTED_TOOL_CALL") return "stop";
  return "stop";
}

void read_usage_metadata(element meta, api::Usage& out) {
  if (!meta.is_object()) return;
  out.known = true;
  const int64_t thoughts = json_int(meta, "thoughtsTokenCount");
  out.prompt_tokens =
      json_int(meta, "promptTokenCount") + json_int(meta, "toolUsePromptTokenCount");
  out.completion_tokens = json_int(meta, "candidatesTokenCount") + thoughts;
  out.cached_tokens = json_int(meta, "cachedContentTokenCount");
  out.reasoning_tokens = thoughts;
}

UpstreamError malformed_response(std::string_view what) {
  return UpstreamError{ErrorClass::kServerError,
                       api::bad_gateway("The Gemini upstream returned " + std::string(what) + ".",
                                        "upstream_malformed_response")};
}

Expected<DecodedResponse, UpstreamError> decode_generate_content(std::string_view body,
                                                                 std::string_view model,
                                                                 const IdSource& ids) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS || !root.is_object())
    return unexpected(malformed_response("a malformed JSON body"));

  ChatResult r;
  r.id = ids.completion_id();
  r.model = std::string(model);
  r.created = ids.now_seconds();

  simdjson::dom::array candidates;
  if (root["candidates"].get_array().get(candidates) == simdjson::SUCCESS) {
    for (element cand : candidates) {
      ChoiceOut c;
      simdjson::dom::array parts;
      if (cand["content"]["parts"].get_array().get(parts) == simdjson::SUCCESS) {
        for (element part : parts) {
          element v;
          if (part["thought"].get(v) == simdjson::SUCCESS && v.is_bool() &&
              v.get_bool().value_unsafe())
            continue;
          if (part["text"].get(v) == simdjson::SUCCESS && v.is_string()) {
            c.content += v.get_string().value_unsafe();
            c.has_content = true;
          } else if (part["functionCall"].get(v) == simdjson::SUCCESS && v.is_object()) {
            ToolCallOut call;
            call.id = ids.tool_call_id();
            call.name = std::string(json_str(v, "name"));
            element args;
            call.arguments = v["args"].get(args) == simdjson::SUCCESS ? to_json(args) : "{}";
            c.tool_calls.push_back(std::move(call));
          }
        }
      }
      c.finish_reason =
          std::string(map_finish_reason(json_str(cand, "finishReason"), !c.tool_calls.empty()));
      r.choices.push_back(std::move(c));
    }
  }
  if (r.choices.empty()) {
    // No candidates: the prompt itself was blocked (promptFeedback.blockReason).
    ChoiceOut c;
    c.finish_reason = "content_filter";
    r.choices.push_back(std::move(c));
  }
  element meta;
  if (root["usageMetadata"].get(meta) == simdjson::SUCCESS) read_usage_metadata(meta, r.usage);

  DecodedResponse out;
  out.usage = r.usage;
  out.body = completion_body(r);
  return out;
}

}  // namespace sy::providers::gemini
