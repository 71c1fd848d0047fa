#include "providers/anthropic/request.h"

#include <fmt/format.h>

#include <optional>
#include <vector>

#include "providers/anthropic/json_out.h"

namespace sy::providers::anthropic {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// A rendered Anthropic content block and whether it is a tool_result (those
// must lead a user message's content).
struct Block {
  std::string json;
  bool tool_result = false;
};

struct Turn {
  std::string_view role;  // "user" or "assistant"
  std::vector<Block> blocks;
};

api::ApiError bad(std::string message, std::string param) {
  return api::invalid_request(std::move(message), std::move(param), "invalid_value");
}

api::ApiError unsupported(std::string_view what, std::string param) {
  return api::invalid_request(fmt::format("{} is not supported by provider anthropic.", what),
                              std::move(param), "unsupported_parameter");
}

std::optional<std::string_view> get_string(object o, std::string_view key) {
  std::string_view s;
  if (o[key].get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

Block text_block(std::string_view text) {
  Block b;
  JsonOut w(b.json);
  w.begin_object().key("type").string("text").key("text").string(text).end_object();
  return b;
}

// image_url part → image block. Data URLs become base64 sources.
Expected<Block, api::ApiError> image_block(element part, const std::string& at) {
  element image_url;
  std::string_view url;
  if (part["image_url"].get(image_url) == simdjson::SUCCESS) {
    if (image_url.is_string()) {
      url = image_url.get_string().value_unsafe();
    } else if (image_url.is_object()) {
      get_if(image_url["url"].get_string(), url);
    }
  }
  if (url.empty()) {
    return unexpected(
        api::invalid_request(fmt::format("Missing required parameter: '{}.image_url.url'.", at),
                             at + ".image_url.url", "missing_required_parameter"));
  }
  Block b;
  JsonOut w(b.json);
  w.begin_object().key("type").string("image").key("source").begin_object();
  if (url.starts_with("data:")) {
    std::size_t comma = url.find(',');
    std::string_view header = url.substr(5, comma == std::string_view::npos ? 0 : comma - 5);
    if (comma == std::string_view::npos || !header.ends_with(";base64")) {
      return unexpected(bad("Image data URLs must be base64-encoded (data:<type>;base64,<data>).",
                            at + ".image_url.url"));
    }
    std::string_view media_type = header.substr(0, header.find(';'));
    if (media_type.empty()) {
      return unexpected(bad("Image data URLs must name a media type.", at + ".image_url.url"));
    }
    w.key("type").string("base64").key("media_type").string(media_type);
    w.key("data").string(url.substr(comma + 1));
  } else if (url.starts_with("https://") || url.starts_with("http://")) {
    w.key("type").string("url").key("url").string(url);
  } else {
    return unexpected(
        bad("Image URLs must be http(s) URLs or base64 data URLs.", at + ".image_url.url"));
  }
  w.end_object().end_object();
  return b;
}

// Appends the blocks of a message's "content" (string or parts array).
// `allow_images` is false for roles whose content Anthropic limits to text.
std::optional<api::ApiError> content_blocks(element content, const std::string& at,
                                            bool allow_images, std::vector<Block>& out) {
  if (content.is_null()) return std::nullopt;
  if (content.is_string()) {
    std::string_view text = content.get_string().value_unsafe();
    if (!text.empty()) out.push_back(text_block(text));
    return std::nullopt;
  }
  std::size_t i = 0;
  simdjson::dom::array part_list = content.get_array().value_unsafe();
  for (element part : part_list) {
    std::string pat = fmt::format("{}[{}]", at, i++);
    std::string_view type = part["type"].get_string().value_unsafe();  // validated by parse
    if (type == "text" || type == "refusal") {
      std::string_view text;
      if (part[type].get_string().get(text) != simdjson::SUCCESS) {
        return api::invalid_request(fmt::format("Missing required parameter: '{}.{}'.", pat, type),
                                    fmt::format("{}.{}", pat, type), "missing_required_parameter");
      }
      if (!text.empty()) out.push_back(text_block(text));
    } else if (type == "image_url" && allow_images) {
      auto img = image_block(part, pat);
      if (!img) return std::move(img).error();
      out.push_back(std::move(*img));
    } else {
      return unsupported(fmt::format("Content part type '{}'", type.substr(0, 32)), pat + ".type");
    }
  }
  return std::nullopt;
}

std::optional<api::ApiError> tool_use_blocks(element tool_calls, const std::string& at,
                                             std::vector<Block>& out) {
  thread_local simdjson::dom::parser args_parser;
  std::size_t i = 0;
  simdjson::dom::array call_list = tool_calls.get_array().value_unsafe();
  for (element call : call_list) {
    std::string cat = fmt::format("{}[{}]", at, i++);
    if (!call.is_object()) return bad("Each tool call must be an object.", cat);
    object c = call.get_object().value_unsafe();
    object fn;
    auto id = get_string(c, "id");
    std::optional<std::string_view> name;
    if (c["function"].get_object().get(fn) == simdjson::SUCCESS) name = get_string(fn, "name");
    if (!id || !name) {
      return api::invalid_request(
          fmt::format("Tool calls need 'id' and 'function.name' ('{}').", cat), cat,
          "missing_required_parameter");
    }
    std::string_view args = "{}";
    if (auto a = get_string(fn, "arguments"); a && !a->empty()) args = *a;
    element input;
    if (args_parser.parse(args.data(), args.size()).get(input) != simdjson::SUCCESS ||
        !input.is_object()) {
      return bad(fmt::format("'{}.function.arguments' must be a JSON object.", cat),
                 cat + ".function.arguments");
    }
    Block b;
    JsonOut w(b.json);
    w.begin_object().key("type").string("tool_use").key("id").string(*id);
    w.key("name").string(*name).key("input").value(input).end_object();
    out.push_back(std::move(b));
  }
  return std::nullopt;
}

// A tool message → tool_result block (content as a string or text blocks).
Expected<Block, api::ApiError> tool_result_block(object msg, const std::string& at) {
  auto id = get_string(msg, "tool_call_id");
  if (!id) {
    return unexpected(
        api::invalid_request(fmt::format("Missing required parameter: '{}.tool_call_id'.", at),
                             at + ".tool_call_id", "missing_required_parameter"));
  }
  Block b;
  b.tool_result = true;
  JsonOut w(b.json);
  w.begin_object().key("type").string("tool_result").key("tool_use_id").string(*id);
  element content;
  bool has_content = msg["content"].get(content) == simdjson::SUCCESS;
  if (has_content && content.is_string()) {
    w.key("content").string(content.get_string().value_unsafe());
  } else if (has_content && content.is_array()) {
    std::vector<Block> parts;
    if (auto e = content_blocks(content, at + ".content", true, parts)) return unexpected(*e);
    w.key("content").begin_array();
    for (const Block& p : parts) w.raw(p.json);
    w.end_array();
  }
  w.end_object();
  return b;
}

// System/developer content → its texts (Anthropic's system takes text only).
std::optional<api::ApiError> system_texts(element content, const std::string& at,
                                          std::vector<std::string_view>& out) {
  if (content.is_string()) {
    std::string_view text = content.get_string().value_unsafe();
    if (!text.empty()) out.push_back(text);
    return std::nullopt;
  }
  std::size_t i = 0;
  simdjson::dom::array part_list = content.get_array().value_unsafe();
  for (element part : part_list) {
    std::string pat = fmt::format("{}[{}]", at, i++);
    std::string_view text;
    if (part["type"].get_string().value_unsafe() != "text") {
      return unsupported("A system content part other than text", pat + ".type");
    }
    if (part["text"].get_string().get(text) != simdjson::SUCCESS) {
      return api::invalid_request(fmt::format("Missing required parameter: '{}.text'.", pat),
                                  pat + ".text", "missing_required_parameter");
    }
    if (!text.empty()) out.push_back(text);
  }
  return std::nullopt;
}

std::optional<api::ApiError> collect(object root, std::vector<std::string_view>& system,
                                     std::vector<Turn>& turns) {
  std::size_t i = 0;
  simdjson::dom::array m_list = root["messages"].get_array().value_unsafe();
  for (element m : m_list) {
    std::string at = fmt::format("messages[{}]", i++);
    object msg = m.get_object().value_unsafe();
    std::string_view role = msg["role"].get_string().value_unsafe();
    element content;
    bool has_content = msg["content"].get(content) == simdjson::SUCCESS;
    std::vector<Block> blocks;
    std::string_view anthropic_role = "user";
    if (role == "system" || role == "developer") {
      if (auto e = system_texts(content, at + ".content", system)) return e;
      continue;
    } else if (role == "user") {
      if (auto e = content_blocks(content, at + ".content", true, blocks)) return e;
    } else if (role == "assistant") {
      anthropic_role = "assistant";
      if (has_content) {
        if (auto e = content_blocks(content, at + ".content", false, blocks)) return e;
      }
      element calls;
      if (msg["tool_calls"].get(calls) == simdjson::SUCCESS && calls.is_array()) {
        if (auto e = tool_use_blocks(calls, at + ".tool_calls", blocks)) return e;
      }
    } else if (role == "tool") {
      auto b = tool_result_block(msg, at);
      if (!b) return std::move(b).error();
      blocks.push_back(std::move(*b));
    } else {
      return unsupported(fmt::format("Message role '{}'", role), at + ".role");
    }
    if (blocks.empty()) continue;
    if (turns.empty() || turns.back().role != anthropic_role) turns.push_back({anthropic_role, {}});
    auto& dst = turns.back().blocks;
    for (Block& b : blocks) dst.push_back(std::move(b));
  }
  if (turns.empty()) {
    return bad("The request has no user or assistant content to send.", "messages");
  }
  return std::nullopt;
}

std::optional<api::ApiError> write_tools(object root, JsonOut& w) {
  element tools;
  if (root["tools"].get(tools) != simdjson::SUCCESS || !tools.is_array() ||
      tools.get_array().value_unsafe().size() == 0) {
    return std::nullopt;
  }
  w.key("tools").begin_array();
  std::size_t i = 0;
  simdjson::dom::array t_list = tools.get_array().value_unsafe();
  for (element t : t_list) {
    std::string at = fmt::format("tools[{}]", i++);
    object tool, fn;
    if (t.get_object().get(tool) != simdjson::SUCCESS ||
        get_string(tool, "type").value_or("") != "function" ||
        tool["function"].get_object().get(fn) != simdjson::SUCCESS) {
      return unsupported("A tool other than type 'function'", at);
    }
    auto name = get_string(fn, "name");
    if (!name) {
      return api::invalid_request(
          fmt::format("Missing required parameter: '{}.function.name'.", at), at + ".function.name",
          "missing_required_parameter");
    }
    w.begin_object().key("name").string(*name);
    if (auto d = get_string(fn, "description")) w.key("description").string(*d);
    element params;
    w.key("input_schema");
    if (fn["parameters"].get(params) == simdjson::SUCCESS && params.is_object()) {
      w.value(params);
    } else {
      w.raw(R"({"type":"object","properties":{}})");
    }
    w.end_object();
  }
  w.end_array();

  // tool_choice, with parallel_tool_calls=false folded in.
  bool no_parallel = false;
  element v;
  if (root["parallel_tool_calls"].get(v) == simdjson::SUCCESS && v.is_bool()) {
    no_parallel = !v.get_bool().value_unsafe();
  }
  std::string_view type = "auto";
  std::string_view name;
  if (root["tool_choice"].get(v) == simdjson::SUCCESS && !v.is_null()) {
    if (v.is_string()) {
      std::string_view s = v.get_string().value_unsafe();
      if (s == "auto") {
        type = "auto";
      } else if (s == "none") {
        type = "none";
      } else if (s == "required") {
        type = "any";
      } else {
        return bad("'tool_choice' must be 'auto', 'none', 'required' or a function.",
                   "tool_choice");
      }
    } else {
      object fn;
      auto n = v["function"].get_object().get(fn) == simdjson::SUCCESS ? get_string(fn, "name")
                                                                       : std::nullopt;
      if (!n) {
        return api::invalid_request("Missing required parameter: 'tool_choice.function.name'.",
                                    "tool_choice.function.name", "missing_required_parameter");
      }
      type = "tool";
      name = *n;
    }
  } else if (!no_parallel) {
    return std::nullopt;  // Anthropic's default is auto.
  }
  w.key("tool_choice").begin_object().key("type").string(type);
  if (type == "tool") w.key("name").string(name);
  if (no_parallel && type != "none") w.key("disable_parallel_tool_use").boolean(true);
  w.end_object();
  return std::nullopt;
}

std::optional<api::ApiError> write_stop(object root, JsonOut& w) {
  element stop;
  if (root["stop"].get(stop) != simdjson::SUCCESS || stop.is_null()) return std::nullopt;
  std::vector<std::string_view> seqs;
  if (stop.is_string()) {
    seqs.push_back(stop.get_string().value_unsafe());
  } else {
    simdjson::dom::array s_list = stop.get_array().value_unsafe();
    for (element s : s_list) {
      if (!s.is_string()) return bad("'stop' must be a string or an array of strings.", "stop");
      seqs.push_back(s.get_string().value_unsafe());
    }
  }
  if (seqs.empty()) return std::nullopt;
  w.key("stop_sequences").begin_array();
  for (std::string_view s : seqs) w.string(s);
  w.end_array();
  return std::nullopt;
}

}  // namespace

Expected<std::string, api::ApiError> encode_messages_body(const api::Request& req,
                                                          std::string_view model,
                                                          int64_t default_max_tokens) {
  if (req.endpoint() != api::Endpoint::kChatCompletions) {
    return unexpected(api::invalid_request(
        fmt::format("The endpoint {} is not supported by provider anthropic; use "
                    "/chat/completions.",
                    api::endpoint_path(req.endpoint())),
        "", "unsupported_endpoint"));
  }
  object root = req.root();
  element v;
  if (root["n"].get(v) == simdjson::SUCCESS && v.is_int64() && v.get_int64().value_unsafe() != 1) {
    return unexpected(unsupported("'n' other than 1", "n"));
  }

  std::vector<std::string_view> system;
  std::vector<Turn> turns;
  if (auto e = collect(root, system, turns)) return unexpected(std::move(*e));

  std::string body;
  body.reserve(req.body().size() + 256);
  JsonOut w(body);
  w.begin_object().key("model").string(model);
  int64_t max_tokens =
      req.max_tokens().value_or(default_max_tokens > 0 ? default_max_tokens : kFallbackMaxTokens);
  w.key("max_tokens").int64(max_tokens);
  if (system.size() == 1) {
    w.key("system").string(system[0]);
  } else if (!system.empty()) {
    w.key("system").begin_array();
    for (std::string_view text : system) {
      w.begin_object().key("type").string("text").key("text").string(text).end_object();
    }
    w.end_array();
  }
  w.key("messages").begin_array();
  for (const Turn& t : turns) {
    w.begin_object().key("role").string(t.role).key("content").begin_array();
    // tool_result blocks first, as Anthropic requires; order otherwise kept.
    for (const Block& b : t.blocks) {
      if (b.tool_result) w.raw(b.json);
    }
    for (const Block& b : t.blocks) {
      if (!b.tool_result) w.raw(b.json);
    }
    w.end_array().end_object();
  }
  w.end_array();

  for (std::string_view name : {"temperature", "top_p"}) {
    if (root[name].get(v) == simdjson::SUCCESS && !v.is_null()) w.key(name).value(v);
  }
  if (auto e = write_stop(root, w)) return unexpected(std::move(*e));
  if (auto user = get_string(root, "user"); user && !user->empty()) {
    w.key("metadata").begin_object().key("user_id").string(*user).end_object();
  }
  if (auto e = write_tools(root, w)) return unexpected(std::move(*e));
  if (req.stream()) w.key("stream").boolean(true);
  w.end_object();
  return body;
}

}  // namespace sy::providers::anthropic
