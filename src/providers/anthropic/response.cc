#include "providers/anthropic/response.h"

#include "providers/anthropic/json_out.h"
#include "providers/chat_output.h"

namespace sy::providers::anthropic {

using simdjson::dom::element;

std::string_view finish_reason_for(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") {
    return "length";
  }
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return "stop";
}

void merge_usage(element usage, int64_t& input_tokens, api::Usage& u) {
  auto read = [&](std::string_view key, int64_t& dst) {
    int64_t n;
    if (usage[key].get_int64().get(n) == simdjson::SUCCESS && n >= 0) dst = n;
  };
  read("input_tokens", input_tokens);
  read("cache_read_input_tokens", u.cached_tokens);
  read("cache_creation_input_tokens", u.cache_creation_tokens);
  read("output_tokens", u.completion_tokens);
  u.prompt_tokens = input_tokens + u.cached_tokens + u.cache_creation_tokens;
  u.known = true;
}

Expected<DecodedResponse, UpstreamError> decode_message(std::string_view body,
                                                        std::string_view fallback_model,
                                                        int64_t created) {
  auto fail = [](std::string why) {
    return unexpected(UpstreamError{ErrorClass::kServerError,
                                    api::bad_gateway("Provider anthropic sent an undecodable "
                                                     "response: " +
                                                     why)});
  };
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return fail("not a JSON object");
  }
  std::string_view type;
  if (root["type"].get_string().get(type) == simdjson::SUCCESS && type == "error") {
    std::string_view etype, message;
    get_if(root["error"]["type"].get_string(), etype);
    get_if(root["error"]["message"].get_string(), message);
    return fail(std::string(etype.empty() ? "error" : etype));
  }
  simdjson::dom::array content;
  if (root["content"].get_array().get(content) != simdjson::SUCCESS) {
    return fail("no content array");
  }

  ChatResult result;
  std::string_view s;
  if (root["id"].get_string().get(s) == simdjson::SUCCESS) result.id = s;
  result.model = root["model"].get_string().get(s) == simdjson::SUCCESS ? s : fallback_model;
  result.created = created;
  ChoiceOut choice;
  for (element block : content) {
    std::string_view btype;
    if (block["type"].get_string().get(btype) != simdjson::SUCCESS) continue;
    if (btype == "text") {
      std::string_view text;
      if (block["text"].get_string().get(text) == simdjson::SUCCESS) {
        choice.content += text;
        choice.has_content = true;
      }
    } else if (btype == "tool_use") {
      ToolCallOut call;
      std::string_view v;
      if (block["id"].get_string().get(v) == simdjson::SUCCESS) call.id = v;
      if (block["name"].get_string().get(v) == simdjson::SUCCESS) call.name = v;
      element input;
      call.arguments = block["input"].get(input) == simdjson::SUCCESS ? to_json(input) : "{}";
      choice.tool_calls.push_back(std::move(call));
    }
  }
  std::string_view stop_reason;
  if (root["stop_reason"].get_string().get(stop_reason) == simdjson::SUCCESS) {
    choice.finish_reason = finish_reason_for(stop_reason);
  }
  element usage;
  int64_t input_tokens = 0;
  if (root["usage"].get(usage) == simdjson::SUCCESS && usage.is_object()) {
    merge_usage(usage, input_tokens, result.usage);
  }
  result.choices.push_back(std::move(choice));
  DecodedResponse out;
  out.body = completion_body(result);
  out.usage = result.usage;
  return out;
}

}  // namespace sy::providers::anthropic
