#include "providers/bedrock/response.h"

namespace sy::providers::bedrock {

using simdjson::dom::element;

std::string_view map_stop_reason(std::string_view reason) {
  if (reason == "max_tokens" || reason == "model_context_window_exceeded") return "length";
  if (reason == "tool_use") return "tool_calls";
  if (reason == "guardrail_intervened" || reason == "content_filtered") return "content_filter";
  return "stop";  // end_turn, stop_sequence
}

void read_converse_usage(element usage, api::Usage& out) {
  if (!usage.is_object()) return;
  out.known = true;
  out.cached_tokens = json_int(usage, "cacheReadInputTokens");
  out.cache_creation_tokens = json_int(usage, "cacheWriteInputTokens");
  out.prompt_tokens =
      json_int(usage, "inputTokens") + out.cached_tokens + out.cache_creation_tokens;
  out.completion_tokens = json_int(usage, "outputTokens");
}

UpstreamError malformed_response(std::string_view what) {
  return UpstreamError{ErrorClass::kServerError,
                       api::bad_gateway("The Bedrock upstream returned " + std::string(what) + ".",
                                        "upstream_malformed_response")};
}

Expected<DecodedResponse, UpstreamError> decode_converse(std::string_view body,
                                                         std::string_view model,
                                                         const IdSource& ids) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS || !root.is_object())
    return unexpected(malformed_response("a malformed JSON body"));
  simdjson::dom::array content;
  if (root["output"]["message"]["content"].get_array().get(content) != simdjson::SUCCESS)
    return unexpected(malformed_response("a body without output.message.content"));

  ChatResult r;
  r.id = ids.completion_id();
  r.model = std::string(model);
  r.created = ids.now_seconds();
  ChoiceOut c;
  for (element block : content) {
    element v;
    if (block["text"].get(v) == simdjson::SUCCESS && v.is_string()) {
      c.content += v.get_string().value_unsafe();
      c.has_content = true;
    } else if (block["toolUse"].get(v) == simdjson::SUCCESS && v.is_object()) {
      ToolCallOut call;
      call.id = std::string(json_str(v, "toolUseId"));
      call.name = std::string(json_str(v, "name"));
      element input;
      call.arguments = v["input"].get(input) == simdjson::SUCCESS ? to_json(input) : "{}";
      c.tool_calls.push_back(std::move(call));
    }
  }
  c.finish_reason = std::string(map_stop_reason(json_str(root, "stopReason")));
  r.choices.push_back(std::move(c));
  element usage;
  if (root["usage"].get(usage) == simdjson::SUCCESS) read_converse_usage(usage, r.usage);

  DecodedResponse out;
  out.usage = r.usage;
  out.body = completion_body(r);
  return out;
}

}  // namespace sy::providers::bedrock
