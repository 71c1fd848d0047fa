#include "providers/anthropic/inbound.h"

#include <fmt/format.h>

#include <optional>
#include <vector>

#include "providers/anthropic/json_out.h"

namespace sy::providers::anthropic {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// Anthropic-worded validation errors ("messages.0.content: ...").
api::ApiError invalid(std::string message) {
  return {400, "invalid_request_error", "", "", std::move(message)};
}

std::optional<std::string_view> get_string(object o, std::string_view key) {
  std::string_view s;
  if (o[key].get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

bool has(object o, std::string_view key, element& v) {
  return o[key].get(v) == simdjson::SUCCESS && !v.is_null();
}

// An OpenAI message being assembled from Anthropic blocks.
struct Parts {
  std::vector<std::string> json;  // rendered content parts
  std::vector<std::string_view> texts;
  bool only_text = true;
};

void text_part(Parts& p, std::string_view text) {
  std::string j;
  JsonOut w(j);
  w.begin_object().key("type").string("text").key("text").string(text).end_object();
  p.json.push_back(std::move(j));
  p.texts.push_back(text);
}

std::optional<api::ApiError> image_part(Parts& p, object block, const std::string& at) {
  object source;
  if (block["source"].get_object().get(source) != simdjson::SUCCESS) {
    return invalid(at + ".source: Field required");
  }
  std::string_view type = get_string(source, "type").value_or("");
  std::string url;
  if (type == "base64") {
    auto media = get_string(source, "media_type");
    auto data = get_string(source, "data");
    if (!media || !data) return invalid(at + ".source: media_type and data are required");
    url = fmt::format("data:{};base64,{}", *media, *data);
  } else if (type == "url") {
    auto u = get_string(source, "url");
    if (!u) return invalid(at + ".source.url: Field required");
    url = std::string(*u);
  } else {
    return invalid(at + ".source.type: Input should be 'base64' or 'url'");
  }
  std::string j;
  JsonOut w(j);
  w.begin_object().key("type").string("image_url").key("image_url").begin_object();
  w.key("url").string(url).end_object().end_object();
  p.json.push_back(std::move(j));
  p.only_text = false;
  return std::nullopt;
}

// Writes {"role":role,"content":...} from parts: a string for one text part.
void write_parts_message(JsonOut& w, std::string_view role, const Parts& p) {
  w.begin_object().key("role").string(role).key("content");
  if (p.only_text && p.texts.size() == 1) {
    w.string(p.texts[0]);
  } else {
    w.begin_array();
    for (const std::string& j : p.json) w.raw(j);
    w.end_array();
  }
  w.end_object();
}

// tool_result → a tool message; images inside it go to `trailing`.
std::optional<api::ApiError> tool_message(JsonOut& w, object block, const std::string& at,
                                          Parts& trailing) {
  auto id = get_string(block, "tool_use_id");
  if (!id) return invalid(at + ".tool_use_id: Field required");
  std::string text;
  element content;
  if (has(block, "content", content)) {
    if (content.is_string()) {
      text = content.get_string().value_unsafe();
    } else if (content.is_array()) {
      array items = content.get_array().value_unsafe();
      std::size_t k = 0;
      for (element item : items) {
        std::string iat = fmt::format("{}.content.{}", at, k++);
        object io;
        if (item.get_object().get(io) != simdjson::SUCCESS) {
          return invalid(iat + ": Input should be an object");
        }
        std::string_view type = get_string(io, "type").value_or("");
        if (type == "text") {
          if (!text.empty()) text += '\n';
          text += get_string(io, "text").value_or("");
        } else if (type == "image") {
          if (auto e = image_part(trailing, io, iat)) return e;
        } else {
          return invalid(fmt::format("{}.type: '{}' is not supported in tool results", iat,
                                     type.substr(0, 32)));
        }
      }
    } else {
      return invalid(at + ".content: Input should be a string or a list");
    }
  }
  w.begin_object().key("role").string("tool").key("tool_call_id").string(*id);
  w.key("content").string(text).end_object();
  return std::nullopt;
}

std::optional<api::ApiError> user_turn(JsonOut& w, array blocks, const std::string& at) {
  Parts parts;
  std::size_t j = 0;
  for (element b : blocks) {
    std::string bat = fmt::format("{}.content.{}", at, j++);
    object block;
    if (b.get_object().get(block) != simdjson::SUCCESS) {
      return invalid(bat + ": Input should be an object");
    }
    std::string_view type = get_string(block, "type").value_or("");
    if (type == "text") {
      auto text = get_string(block, "text");
      if (!text) return invalid(bat + ".text: Field required");
      text_part(parts, *text);
    } else if (type == "image") {
      if (auto e = image_part(parts, block, bat)) return e;
    } else if (type == "tool_result") {
      // Tool messages go out as they come; text after them follows in one user message.
      if (auto e = tool_message(w, block, bat, parts)) return e;
    } else {
      return invalid(
          fmt::format("{}.type: '{}' is not supported by this gateway", bat, type.substr(0, 32)));
    }
  }
  if (!parts.json.empty()) write_parts_message(w, "user", parts);
  return std::nullopt;
}

std::optional<api::ApiError> assistant_turn(JsonOut& w, array blocks, const std::string& at) {
  std::string text;
  bool has_text = false;
  std::vector<std::string> calls;
  std::size_t j = 0;
  for (element b : blocks) {
    std::string bat = fmt::format("{}.content.{}", at, j++);
    object block;
    if (b.get_object().get(block) != simdjson::SUCCESS) {
      return invalid(bat + ": Input should be an object");
    }
    std::string_view type = get_string(block, "type").value_or("");
    if (type == "text") {
      text += get_string(block, "text").value_or("");
      has_text = true;
    } else if (type == "tool_use") {
      auto id = get_string(block, "id");
      auto name = get_string(block, "name");
      if (!id || !name) return invalid(bat + ": tool_use needs id and name");
      element input;
      std::string args = "{}";
      if (has(block, "input", input)) args = simdjson::minify(input);
      std::string j2;
      JsonOut cw(j2);
      cw.begin_object().key("id").string(*id).key("type").string("function");
      cw.key("function").begin_object().key("name").string(*name);
      cw.key("arguments").string(args).end_object().end_object();
      calls.push_back(std::move(j2));
    } else if (type == "thinking" || type == "redacted_thinking") {
      continue;  // not replayable to other providers
    } else {
      return invalid(
          fmt::format("{}.type: '{}' is not supported by this gateway", bat, type.substr(0, 32)));
    }
  }
  if (!has_text && calls.empty()) return std::nullopt;
  w.begin_object().key("role").string("assistant").key("content");
  if (has_text) {
    w.string(text);
  } else {
    w.null();
  }
  if (!calls.empty()) {
    w.key("tool_calls").begin_array();
    for (const std::string& c : calls) w.raw(c);
    w.end_array();
  }
  w.end_object();
  return std::nullopt;
}

std::optional<api::ApiError> write_system(JsonOut& w, element system) {
  std::string text;
  if (system.is_string()) {
    text = system.get_string().value_unsafe();
  } else if (system.is_array()) {
    array blocks = system.get_array().value_unsafe();
    std::size_t i = 0;
    for (element b : blocks) {
      std::string_view t;
      if (b["text"].get_string().get(t) != simdjson::SUCCESS) {
        return invalid(fmt::format("system.{}.text: Field required", i));
      }
      if (i++) text += '\n';
      text += t;
    }
  } else {
    return invalid("system: Input should be a valid string or list");
  }
  if (text.empty()) return std::nullopt;
  w.begin_object().key("role").string("system").key("content").string(text).end_object();
  return std::nullopt;
}

std::optional<api::ApiError> write_tools(JsonOut& w, object root) {
  element tools;
  if (!has(root, "tools", tools)) return std::nullopt;
  if (!tools.is_array()) return invalid("tools: Input should be a valid list");
  array list = tools.get_array().value_unsafe();
  if (list.size() == 0) return std::nullopt;
  w.key("tools").begin_array();
  std::size_t i = 0;
  for (element t : list) {
    std::string at = fmt::format("tools.{}", i++);
    object tool;
    if (t.get_object().get(tool) != simdjson::SUCCESS)
      return invalid(at + ": Input should be an object");
    std::string_view type = get_string(tool, "type").value_or("custom");
    if (type != "custom") {
      return invalid(fmt::format("{}.type: server tool '{}' is not supported by this gateway", at,
                                 type.substr(0, 32)));
    }
    auto name = get_string(tool, "name");
    if (!name) return invalid(at + ".name: Field required");
    w.begin_object().key("type").string("function").key("function").begin_object();
    w.key("name").string(*name);
    if (auto d = get_string(tool, "description")) w.key("description").string(*d);
    element schema;
    if (!has(tool, "input_schema", schema) || !schema.is_object()) {
      return invalid(at + ".input_schema: Field required");
    }
    w.key("parameters").value(schema).end_object().end_object();
  }
  w.end_array();

  element choice;
  if (!has(root, "tool_choice", choice)) return std::nullopt;
  object tc;
  if (choice.get_object().get(tc) != simdjson::SUCCESS) {
    return invalid("tool_choice: Input should be an object");
  }
  std::string_view type = get_string(tc, "type").value_or("");
  w.key("tool_choice");
  if (type == "auto") {
    w.string("auto");
  } else if (type == "any") {
    w.string("required");
  } else if (type == "none") {
    w.string("none");
  } else if (type == "tool") {
    auto name = get_string(tc, "name");
    if (!name) return invalid("tool_choice.name: Field required");
    w.begin_object().key("type").string("function").key("function").begin_object();
    w.key("name").string(*name).end_object().end_object();
  } else {
    return invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
  }
  element dp;
  if (has(tc, "disable_parallel_tool_use", dp) && dp.is_bool() && dp.get_bool().value_unsafe()) {
    w.key("parallel_tool_calls").boolean(false);
  }
  return std::nullopt;
}

std::string_view stop_reason_for(std::string_view finish_reason) {
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "tool_use";
  if (finish_reason == "content_filter") return "refusal";
  return "end_turn";
}

void write_usage(JsonOut& w, int64_t prompt, int64_t completion, int64_t cached) {
  int64_t uncached = prompt > cached ? prompt - cached : 0;
  w.begin_object().key("input_tokens").int64(uncached);
  w.key("cache_creation_input_tokens").int64(0);
  w.key("cache_read_input_tokens").int64(cached);
  w.key("output_tokens").int64(completion).end_object();
}

void read_openai_usage(element usage, int64_t& prompt, int64_t& completion, int64_t& cached) {
  int64_t n;
  if (usage["prompt_tokens"].get_int64().get(n) == simdjson::SUCCESS) prompt = n;
  if (usage["completion_tokens"].get_int64().get(n) == simdjson::SUCCESS) completion = n;
  if (usage["prompt_tokens_details"]["cached_tokens"].get_int64().get(n) == simdjson::SUCCESS) {
    cached = n;
  }
}

std::string message_id_from(std::string_view openai_id) {
  if (openai_id.starts_with("chatcmpl-")) openai_id.remove_prefix(9);
  if (openai_id.starts_with("msg_")) return std::string(openai_id);
  return "msg_" + std::string(openai_id.empty() ? "gateway" : openai_id);
}

void append_event(std::string& out, std::string_view name, const std::string& json) {
  out += "event: ";
  out += name;
  out += "\ndata: ";
  out += json;
  out += "\n\n";
}

}  // namespace

Expected<std::string, api::ApiError> messages_to_openai_chat(std::string_view anthropic_body) {
  simdjson::dom::parser parser;
  element doc;
  object root;
  if (parser.parse(anthropic_body.data(), anthropic_body.size()).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(root) != simdjson::SUCCESS) {
    return unexpected(
        invalid("There was an issue with your request body: it is not a JSON object"));
  }
  auto model = get_string(root, "model");
  if (!model || model->empty()) return unexpected(invalid("model: Field required"));
  int64_t max_tokens = 0;
  element v;
  if (!has(root, "max_tokens", v)) return unexpected(invalid("max_tokens: Field required"));
  if (v.get_int64().get(max_tokens) != simdjson::SUCCESS || max_tokens < 1) {
    return unexpected(invalid("max_tokens: Input should be a positive integer"));
  }
  element messages;
  if (!has(root, "messages", messages)) return unexpected(invalid("messages: Field required"));
  if (!messages.is_array()) return unexpected(invalid("messages: Input should be a valid list"));

  std::string out;
  out.reserve(anthropic_body.size() + 256);
  JsonOut w(out);
  w.begin_object().key("model").string(*model).key("messages").begin_array();
  element system;
  if (has(root, "system", system)) {
    if (auto e = write_system(w, system)) return unexpected(std::move(*e));
  }
  array list = messages.get_array().value_unsafe();
  std::size_t i = 0;
  for (element m : list) {
    std::string at = fmt::format("messages.{}", i++);
    object msg;
    if (m.get_object().get(msg) != simdjson::SUCCESS) {
      return unexpected(invalid(at + ": Input should be an object"));
    }
    std::string_view role = get_string(msg, "role").value_or("");
    if (role != "user" && role != "assistant") {
      return unexpected(invalid(at + ".role: Input should be 'user' or 'assistant'"));
    }
    element content;
    if (!has(msg, "content", content)) return unexpected(invalid(at + ".content: Field required"));
    if (content.is_string()) {
      w.begin_object().key("role").string(role).key("content").value(content).end_object();
      continue;
    }
    if (!content.is_array()) {
      return unexpected(invalid(at + ".content: Input should be a valid string or list"));
    }
    array blocks = content.get_array().value_unsafe();
    auto e = role == "user" ? user_turn(w, blocks, at) : assistant_turn(w, blocks, at);
    if (e) return unexpected(std::move(*e));
  }
  w.end_array();
  w.key("max_tokens").int64(max_tokens);
  for (std::string_view name : {"temperature", "top_p"}) {
    if (has(root, name, v)) {
      if (!v.is_number())
        return unexpected(invalid(fmt::format("{}: Input should be a number", name)));
      w.key(name).value(v);
    }
  }
  if (has(root, "stop_sequences", v)) {
    if (!v.is_array()) return unexpected(invalid("stop_sequences: Input should be a valid list"));
    array seqs = v.get_array().value_unsafe();
    if (seqs.size() > 0) {
      w.key("stop").begin_array();
      for (element s : seqs) {
        if (!s.is_string()) {
          return unexpected(invalid("stop_sequences: Input should be a list of strings"));
        }
        w.value(s);
      }
      w.end_array();
    }
  }
  std::string_view user;
  if (root["metadata"]["user_id"].get_string().get(user) == simdjson::SUCCESS && !user.empty()) {
    w.key("user").string(user);
  }
  if (auto e = write_tools(w, root)) return unexpected(std::move(*e));
  if (has(root, "stream", v) && v.is_bool() && v.get_bool().value_unsafe()) {
    w.key("stream").boolean(true);
    w.key("stream_options").begin_object().key("include_usage").boolean(true).end_object();
  }
  w.end_object();
  return out;
}

Expected<std::string, api::ApiError> openai_response_to_messages(
    std::string_view openai_chat_completion_json, std::string_view requested_model) {
  auto bad = [] {
    return unexpected(
        api::bad_gateway("The upstream answer could not be translated to an Anthropic message."));
  };
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(openai_chat_completion_json.data(), openai_chat_completion_json.size())
              .get(root) != simdjson::SUCCESS ||
      !root.is_object()) {
    return bad();
  }
  element message;
  if (root["choices"].at(0)["message"].get(message) != simdjson::SUCCESS || !message.is_object()) {
    return bad();
  }
  std::string_view oid;
  get_if(root["id"].get_string(), oid);

  std::string out;
  JsonOut w(out);
  w.begin_object().key("id").string(message_id_from(oid));
  w.key("type").string("message").key("role").string("assistant");
  w.key("model").string(requested_model).key("content").begin_array();
  std::string text;
  element content;
  if (message["content"].get(content) == simdjson::SUCCESS) {
    if (content.is_string()) {
      text = content.get_string().value_unsafe();
    } else if (content.is_array()) {
      array parts = content.get_array().value_unsafe();
      for (element p : parts) {
        std::string_view t;
        if (p["text"].get_string().get(t) == simdjson::SUCCESS) text += t;
      }
    }
  }
  if (text.empty()) get_if(message["refusal"].get_string(), text);
  if (!text.empty()) {
    w.begin_object().key("type").string("text").key("text").string(text).end_object();
  }
  element calls;
  if (message["tool_calls"].get(calls) == simdjson::SUCCESS && calls.is_array()) {
    simdjson::dom::parser args_parser;
    array list = calls.get_array().value_unsafe();
    for (element c : list) {
      std::string_view id, name, args;
      get_if(c["id"].get_string(), id);
      get_if(c["function"]["name"].get_string(), name);
      get_if(c["function"]["arguments"].get_string(), args);
      element input;
      std::string input_json = "{}";
      if (!args.empty() &&
          args_parser.parse(args.data(), args.size()).get(input) == simdjson::SUCCESS &&
          input.is_object()) {
        input_json = simdjson::minify(input);
      }
      w.begin_object().key("type").string("tool_use").key("id").string(id);
      w.key("name").string(name).key("input").raw(input_json).end_object();
    }
  }
  w.end_array();
  std::string_view finish;
  get_if(root["choices"].at(0)["finish_reason"].get_string(), finish);
  w.key("stop_reason").string(stop_reason_for(finish)).key("stop_sequence").null();
  int64_t prompt = 0, completion = 0, cached = 0;
  element usage;
  if (root["usage"].get(usage) == simdjson::SUCCESS && usage.is_object()) {
    read_openai_usage(usage, prompt, completion, cached);
  }
  w.key("usage");
  write_usage(w, prompt, completion, cached);
  w.end_object();
  return out;
}

std::string_view anthropic_error_type(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    case 504:
      return "timeout_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string anthropic_error_body(const api::ApiError& e) {
  std::string out;
  JsonOut w(out);
  w.begin_object().key("type").string("error").key("error").begin_object();
  w.key("type").string(anthropic_error_type(e.status)).key("message").string(e.message);
  w.end_object().end_object();
  return out;
}

void append_anthropic_error_event(std::string& out, const api::ApiError& e) {
  append_event(out, "error", anthropic_error_body(e));
}

OpenAiToAnthropicStream::OpenAiToAnthropicStream(std::string message_id,
                                                 std::string requested_model)
    : id_(std::move(message_id)), model_(std::move(requested_model)) {}

void OpenAiToAnthropicStream::ensure_started(std::string& out) {
  if (started_) return;
  started_ = true;
  std::string j;
  JsonOut w(j);
  w.begin_object().key("type").string("message_start").key("message").begin_object();
  w.key("id").string(id_).key("type").string("message").key("role").string("assistant");
  w.key("model").string(model_).key("content").begin_array().end_array();
  w.key("stop_reason").null().key("stop_sequence").null();
  w.key("usage").begin_object().key("input_tokens").int64(0).key("output_tokens").int64(0);
  w.end_object().end_object().end_object();
  append_event(out, "message_start", j);
}

void OpenAiToAnthropicStream::close_block(std::string& out) {
  if (block_ == Block::kNone) return;
  append_event(out, "content_block_stop",
               fmt::format(R"({{"type":"content_block_stop","index":{}}})", block_index_));
  block_ = Block::kNone;
  tool_openai_index_ = -1;
}

void OpenAiToAnthropicStream::open_text(std::string& out) {
  close_block(out);
  ++block_index_;
  block_ = Block::kText;
  append_event(out, "content_block_start",
               fmt::format(R"({{"type":"content_block_start","index":{},)"
                           R"("content_block":{{"type":"text","text":""}}}})",
                           block_index_));
}

void OpenAiToAnthropicStream::open_tool(std::string& out, int64_t openai_index, std::string_view id,
                                        std::string_view name) {
  close_block(out);
  ++block_index_;
  block_ = Block::kTool;
  tool_openai_index_ = openai_index;
  std::string j;
  JsonOut w(j);
  w.begin_object().key("type").string("content_block_start").key("index").int64(block_index_);
  w.key("content_block").begin_object().key("type").string("tool_use").key("id").string(id);
  w.key("name").string(name).key("input").begin_object().end_object().end_object().end_object();
  append_event(out, "content_block_start", j);
}

void OpenAiToAnthropicStream::close_message(std::string& out) {
  ensure_started(out);
  close_block(out);
  std::string j;
  JsonOut w(j);
  w.begin_object().key("type").string("message_delta").key("delta").begin_object();
  w.key("stop_reason").string(stop_reason_.empty() ? "end_turn" : stop_reason_);
  w.key("stop_sequence").null().end_object().key("usage");
  write_usage(w, prompt_tokens_, completion_tokens_, cached_tokens_);
  w.end_object();
  append_event(out, "message_delta", j);
  append_event(out, "message_stop", R"({"type":"message_stop"})");
  done_ = true;
}

Expected<std::monostate, api::ApiError> OpenAiToAnthropicStream::on_chunk(std::string_view data,
                                                                          std::string& out) {
  if (data == "[DONE]") {
    close_message(out);
    return std::monostate{};
  }
  element root;
  if (json_.parse(data.data(), data.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return unexpected(api::bad_gateway("The upstream stream sent an undecodable chunk."));
  }
  element err;
  if (root["error"].get(err) == simdjson::SUCCESS && err.is_object()) {
    std::string_view message = "The upstream stream failed.";
    get_if(err["message"].get_string(), message);
    return unexpected(api::bad_gateway(std::string(message.substr(0, 1024))));
  }
  ensure_started(out);
  element usage;
  if (root["usage"].get(usage) == simdjson::SUCCESS && usage.is_object()) {
    read_openai_usage(usage, prompt_tokens_, completion_tokens_, cached_tokens_);
  }
  element choice;
  if (root["choices"].at(0).get(choice) != simdjson::SUCCESS || !choice.is_object()) {
    return std::monostate{};
  }
  element delta;
  if (choice["delta"].get(delta) == simdjson::SUCCESS && delta.is_object()) {
    std::string_view text;
    if (delta["content"].get_string().get(text) == simdjson::SUCCESS && !text.empty()) {
      if (block_ != Block::kText) {
        if (block_index_ + 1 >= kMaxBlocks) {
          return unexpected(api::bad_gateway("The upstream stream has too many content blocks."));
        }
        open_text(out);
      }
      std::string j;
      JsonOut w(j);
      w.begin_object().key("type").string("content_block_delta").key("index").int64(block_index_);
      w.key("delta").begin_object().key("type").string("text_delta").key("text").string(text);
      w.end_object().end_object();
      append_event(out, "content_block_delta", j);
    }
    element calls;
    if (delta["tool_calls"].get(calls) == simdjson::SUCCESS && calls.is_array()) {
      array list = calls.get_array().value_unsafe();
      for (element c : list) {
        int64_t index = 0;
        std::string_view id, name, args;
        get_if(c["index"].get_int64(), index);
        get_if(c["id"].get_string(), id);
        get_if(c["function"]["name"].get_string(), name);
        get_if(c["function"]["arguments"].get_string(), args);
        if (!id.empty() || (block_ == Block::kTool && index != tool_openai_index_) ||
            (block_ != Block::kTool && !name.empty())) {
          if (block_index_ + 1 >= kMaxBlocks) {
            return unexpected(api::bad_gateway("The upstream stream has too many content blocks."));
          }
          open_tool(out, index, id, name);
        }
        if (block_ != Block::kTool || args.empty()) continue;  // no open call to extend
        std::string j;
        JsonOut w(j);
        w.begin_object().key("type").string("content_block_delta").key("index").int64(block_index_);
        w.key("delta").begin_object().key("type").string("input_json_delta");
        w.key("partial_json").string(args).end_object().end_object();
        append_event(out, "content_block_delta", j);
      }
    }
  }
  std::string_view finish;
  if (choice["finish_reason"].get_string().get(finish) == simdjson::SUCCESS) {
    stop_reason_ = stop_reason_for(finish);
    close_block(out);
  }
  return std::monostate{};
}

Expected<std::monostate, api::ApiError> OpenAiToAnthropicStream::feed(std::string_view bytes,
                                                                      std::string& out) {
  if (failed_) return unexpected(api::bad_gateway("The upstream stream already failed."));
  if (done_) return std::monostate{};
  parser_.feed(bytes);
  api::SseEvent ev;
  for (;;) {
    switch (parser_.next(ev)) {
      case api::SseParser::Status::kNeedMore:
        return std::monostate{};
      case api::SseParser::Status::kTooLarge:
        failed_ = true;
        return unexpected(api::bad_gateway("The upstream stream sent an oversized event."));
      case api::SseParser::Status::kEvent:
        break;
    }
    auto r = on_chunk(ev.data, out);
    if (!r) {
      failed_ = true;
      return r;
    }
    if (done_) return std::monostate{};
  }
}

Expected<std::monostate, api::ApiError> OpenAiToAnthropicStream::finish(std::string& out) {
  if (done_) return std::monostate{};
  if (!failed_ && !stop_reason_.empty()) {
    close_message(out);
    return std::monostate{};
  }
  failed_ = true;
  return unexpected(api::bad_gateway("The upstream stream ended before the message was complete."));
}

}  // namespace sy::providers::anthropic
