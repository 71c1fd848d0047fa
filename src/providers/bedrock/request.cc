#include "providers/bedrock/request.h"

#include <string_view>
#include <vector>

#include "providers/chat_output.h"
#include "providers/image_url.h"

namespace sy::providers::bedrock {
namespace {

using simdjson::dom::element;

struct Turn {
  std::string role;                 // "user" | "assistant"
  std::vector<std::string> blocks;  // JSON ContentBlock objects
};

void append_turn(std::vector<Turn>& turns, std::string_view role, std::vector<std::string> blocks) {
  if (blocks.empty()) return;
  if (!turns.empty() && turns.back().role == role) {
    for (auto& b : blocks) turns.back().blocks.push_back(std::move(b));
    return;
  }
  turns.push_back({std::string(role), std::move(blocks)});
}

std::string text_block(std::string_view text) {
  std::string b = R"({"text":)";
  append_json_string(b, text);
  b += '}';
  return b;
}

std::string_view image_format(std::string_view mime) {
  if (mime == "image/png") return "png";
  if (mime == "image/jpeg" || mime == "image/jpg") return "jpeg";
  if (mime == "image/gif") return "gif";
  if (mime == "image/webp") return "webp";
  return {};
}

Expected<std::vector<std::string>, api::ApiError> content_blocks(element content,
                                                                 bool allow_images) {
  std::vector<std::string> blocks;
  if (content.is_null()) return blocks;
  if (content.is_string()) {
    std::string_view s = content.get_string().value_unsafe();
    if (!s.empty()) blocks.push_back(text_block(s));
    return blocks;
  }
  if (!content.is_array()) {
    return unexpected(
        api::invalid_request("Message content must be a string or an array.", "messages"));
  }
  const simdjson::dom::array parts = content.get_array().value_unsafe();
  for (element part : parts) {
    std::string_view type = json_str(part, "type");
    if (type == "text") {
      std::string_view text = json_str(part, "text");
      if (!text.empty()) blocks.push_back(text_block(text));
    } else if (type == "image_url" && allow_images) {
      element image;
      std::string_view url;
      if (part["image_url"].get(image) == simdjson::SUCCESS)
        url = image.is_string() ? image.get_string().value_unsafe() : json_str(image, "url");
      DataUrl data;
      if (!parse_data_url(url, data)) {
        return unexpected(
            api::invalid_request("Bedrock accepts images only as base64 data URLs.", "messages"));
      }
      std::string_view format = image_format(data.mime_type);
      if (format.empty()) {
        return unexpected(api::invalid_request(
            "Bedrock accepts png, jpeg, gif and webp images only.", "messages"));
      }
      std::string b = R"({"image":{"format":")";
      b += format;
      b += R"(","source":{"bytes":)";
      append_json_string(b, data.base64);
      b += "}}}";
      blocks.push_back(std::move(b));
    } else {
      return unexpected(api::invalid_request(
          "Unsupported content part type for Bedrock: " + std::string(type), "messages"));
    }
  }
  return blocks;
}

std::string content_text(element content) {
  if (content.is_string()) return std::string(content.get_string().value_unsafe());
  std::string text;
  if (content.is_array()) {
    const simdjson::dom::array parts = content.get_array().value_unsafe();
    for (element part : parts) {
      if (json_str(part, "type") == "text") {
        if (!text.empty()) text += '\n';
        text += json_str(part, "text");
      }
    }
  }
  return text;
}

}  // namespace

Expected<std::string, api::ApiError> encode_converse(const api::Request& req,
                                                     int64_t default_max_tokens) {
  if (req.endpoint() != api::Endpoint::kChatCompletions) {
    return unexpected(api::invalid_request("The Bedrock format serves only /v1/chat/completions."));
  }
  const auto root = req.root();
  simdjson::dom::array messages;
  if (root["messages"].get_array().get(messages) != simdjson::SUCCESS) {
    return unexpected(api::invalid_request("messages must be an array.", "messages"));
  }
  std::vector<Turn> turns;
  std::vector<std::string> system;
  simdjson::dom::parser args_parser;

  for (element msg : messages) {
    std::string_view role = json_str(msg, "role");
    element content;
    const bool has_content = msg["content"].get(content) == simdjson::SUCCESS;
    if (role == "system" || role == "developer") {
      if (has_content) {
        std::string text = content_text(content);
        if (!text.empty()) system.push_back(text_block(text));
      }
    } else if (role == "user") {
      if (!has_content) continue;
      auto blocks = content_blocks(content, /*allow_images=*/true);
      if (!blocks) return unexpected(std::move(blocks.error()));
      append_turn(turns, "user", std::move(*blocks));
    } else if (role == "assistant") {
      std::vector<std::string> blocks;
      if (has_content) {
        auto text = content_blocks(content, /*allow_images=*/false);
        if (!text) return unexpected(std::move(text.error()));
        blocks = std::move(*text);
      }
      simdjson::dom::array calls;
      if (msg["tool_calls"].get_array().get(calls) == simdjson::SUCCESS) {
        for (element call : calls) {
          element fn;
          if (call["function"].get(fn) != simdjson::SUCCESS) continue;
          std::string_view args = json_str(fn, "arguments");
          std::string b = R"({"toolUse":{"toolUseId":)";
          append_json_string(b, json_str(call, "id"));
          b += R"(,"name":)";
          append_json_string(b, json_str(fn, "name"));
          b += R"(,"input":)";
          element parsed;
          if (args.empty()) {
            b += "{}";
          } else if (args_parser.parse(args.data(), args.size()).get(parsed) == simdjson::SUCCESS &&
                     parsed.is_object()) {
            b += to_json(parsed);
          } else {
            return unexpected(api::invalid_request(
                "tool_calls[].function.arguments must be a JSON object.", "messages"));
          }
          b += "}}";
          blocks.push_back(std::move(b));
        }
      }
      append_turn(turns, "assistant", std::move(blocks));
    } else if (role == "tool") {
      std::string text = has_content ? content_text(content) : std::string();
      std::string b = R"({"toolResult":{"toolUseId":)";
      append_json_string(b, json_str(msg, "tool_call_id"));
      b += R"(,"content":[)";
      element parsed;
      if (!text.empty() &&
          args_parser.parse(text.data(), text.size()).get(parsed) == simdjson::SUCCESS &&
          parsed.is_object()) {
        b += R"({"json":)";
        b += to_json(parsed);
        b += '}';
      } else {
        b += text_block(text);
      }
      b += "]}}";
      std::vector<std::string> blocks;
      blocks.push_back(std::move(b));
      append_turn(turns, "user", std::move(blocks));
    } else {
      return unexpected(
          api::invalid_request("Unknown message role: " + std::string(role), "messages"));
    }
  }
  if (turns.empty()) {
    return unexpected(api::invalid_request("messages must contain a user message.", "messages"));
  }

  std::string out = R"({"messages":[)";
  for (std::size_t i = 0; i < turns.size(); ++i) {
    if (i) out += ',';
    out += R"({"role":")";
    out += turns[i].role;
    out += R"(","content":[)";
    for (std::size_t j = 0; j < turns[i].blocks.size(); ++j) {
      if (j) out += ',';
      out += turns[i].blocks[j];
    }
    out += "]}";
  }
  out += ']';
  if (!system.empty()) {
    out += R"(,"system":[)";
    for (std::size_t i = 0; i < system.size(); ++i) {
      if (i) out += ',';
      out += system[i];
    }
    out += ']';
  }

  std::string inference;
  auto key = [&](std::string_view k) {
    inference += inference.empty() ? "" : ",";
    append_json_string(inference, k);
    inference += ':';
  };
  if (auto max = req.max_tokens()) {
    key("maxTokens");
    inference += std::to_string(*max);
  } else if (default_max_tokens > 0) {
    key("maxTokens");
    inference += std::to_string(default_max_tokens);
  }
  element v;
  if (root["temperature"].get(v) == simdjson::SUCCESS && v.is_number()) {
    key("temperature");
    inference += to_json(v);
  }
  if (root["top_p"].get(v) == simdjson::SUCCESS && v.is_number()) {
    key("topP");
    inference += to_json(v);
  }
  if (root["stop"].get(v) == simdjson::SUCCESS && !v.is_null()) {
    key("stopSequences");
    if (v.is_string()) {
      inference += '[';
      inference += to_json(v);
      inference += ']';
    } else {
      inference += to_json(v);
    }
  }
  if (!inference.empty()) {
    out += R"(,"inferenceConfig":{)";
    out += inference;
    out += '}';
  }

  simdjson::dom::array tools;
  if (root["tools"].get_array().get(tools) == simdjson::SUCCESS && tools.size() > 0) {
    out += R"(,"toolConfig":{"tools":[)";
    bool first = true;
    for (element tool : tools) {
      element fn;
      if (json_str(tool, "type") != "function" || tool["function"].get(fn) != simdjson::SUCCESS)
        continue;
      if (!first) out += ',';
      first = false;
      out += R"({"toolSpec":{"name":)";
      append_json_string(out, json_str(fn, "name"));
      if (std::string_view d = json_str(fn, "description"); !d.empty()) {
        out += R"(,"description":)";
        append_json_string(out, d);
      }
      out += R"(,"inputSchema":{"json":)";
      element params;
      if (fn["parameters"].get(params) == simdjson::SUCCESS && params.is_object()) {
        out += to_json(params);
      } else {
        out += R"({"type":"object","properties":{}})";
      }
      out += "}}}";
    }
    out += ']';
    // Converse has no "none": tools stay declared (earlier toolUse blocks need
    // them) and the model chooses.
    if (root["tool_choice"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      if (v.is_string()) {
        std::string_view c = v.get_string().value_unsafe();
        if (c == "required") out += R"(,"toolChoice":{"any":{}})";
        if (c == "auto") out += R"(,"toolChoice":{"auto":{}})";
      } else if (element fn; v["function"].get(fn) == simdjson::SUCCESS) {
        out += R"(,"toolChoice":{"tool":{"name":)";
        append_json_string(out, json_str(fn, "name"));
        out += "}}";
      }
    }
    out += '}';
  }
  out += '}';
  return out;
}

}  // namespace sy::providers::bedrock
