#include "providers/gemini/request.h"

#include <map>
#include <string_view>
#include <vector>

#include "providers/chat_output.h"
#include "providers/image_url.h"

namespace sy::providers::gemini {
namespace {

using simdjson::dom::element;

constexpr int kMaxSchemaDepth = 64;

bool is_one_of(std::string_view key, std::initializer_list<std::string_view> keys) {
  for (auto k : keys)
    if (k == key) return true;
  return false;
}

struct Turn {
  std::string role;                // "user" | "model"
  std::vector<std::string> parts;  // JSON Part objects
};

void append_turn(std::vector<Turn>& turns, std::string_view role, std::vector<std::string> parts) {
  if (parts.empty()) return;
  if (!turns.empty() && turns.back().role == role) {
    for (auto& p : parts) turns.back().parts.push_back(std::move(p));
    return;
  }
  turns.push_back({std::string(role), std::move(parts)});
}

std::string text_part(std::string_view text) {
  std::string p = R"({"text":)";
  append_json_string(p, text);
  p += '}';
  return p;
}

// Content of a message (string or array of parts) → Gemini parts.
Expected<std::vector<std::string>, api::ApiError> content_parts(element content,
                                                                bool allow_images) {
  std::vector<std::string> parts;
  if (content.is_null()) return parts;
  if (content.is_string()) {
    std::string_view s = content.get_string().value_unsafe();
    if (!s.empty()) parts.push_back(text_part(s));
    return parts;
  }
  if (!content.is_array()) {
    return unexpected(
        api::invalid_request("Message content must be a string or an array.", "messages"));
  }
  const simdjson::dom::array items = content.get_array().value_unsafe();
  for (element part : items) {
    std::string_view type = json_str(part, "type");
    if (type == "text") {
      parts.push_back(text_part(json_str(part, "text")));
    } else if (type == "image_url" && allow_images) {
      element image;
      std::string_view url;
      if (part["image_url"].get(image) == simdjson::SUCCESS) {
        url = image.is_string() ? image.get_string().value_unsafe() : json_str(image, "url");
      }
      if (url.empty()) {
        return unexpected(api::invalid_request("image_url part without a url.", "messages"));
      }
      DataUrl data;
      std::string p;
      if (parse_data_url(url, data)) {
        p = R"({"inlineData":{"mimeType":)";
        append_json_string(p, data.mime_type);
        p += R"(,"data":)";
        append_json_string(p, data.base64);
        p += "}}";
      } else {
        p = R"({"fileData":{"mimeType":)";
        append_json_string(p, guess_mime_type(url));
        p += R"(,"fileUri":)";
        append_json_string(p, url);
        p += "}}";
      }
      parts.push_back(std::move(p));
    } else {
      return unexpected(api::invalid_request(
          "Unsupported content part type for Gemini: " + std::string(type), "messages"));
    }
  }
  return parts;
}

// Plain text of a content value (for system and tool messages).
std::string content_text(element content) {
  if (content.is_string()) return std::string(content.get_string().value_unsafe());
  std::string text;
  if (content.is_array()) {
    const simdjson::dom::array items = content.get_array().value_unsafe();
    for (element part : items) {
      if (json_str(part, "type") == "text") {
        if (!text.empty()) text += '\n';
        text += json_str(part, "text");
      }
    }
  }
  return text;
}

void append_number(std::string& out, element v) { out += to_json(v); }

}  // namespace

void append_gemini_schema(std::string& out, element schema, int depth) {
  if (!schema.is_object() || depth > kMaxSchemaDepth) {
    out += "{}";
    return;
  }
  out += '{';
  bool first = true;
  auto key = [&](std::string_view k) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, k);
    out += ':';
  };
  bool nullable_written = false;
  const simdjson::dom::object members = schema.get_object().value_unsafe();
  for (auto [k, v] : members) {
    if (k == "type" && v.is_array()) {
      std::string_view chosen;
      bool nullable = false;
      const simdjson::dom::array types = v.get_array().value_unsafe();
      for (element t : types) {
        std::string_view name = t.is_string() ? t.get_string().value_unsafe() : "";
        if (name == "null") {
          nullable = true;
        } else if (chosen.empty()) {
          chosen = name;
        }
      }
      if (!chosen.empty()) {
        key("type");
        append_json_string(out, chosen);
      }
      if (nullable && !nullable_written) {
        key("nullable");
        out += "true";
        nullable_written = true;
      }
    } else if (k == "properties" && v.is_object()) {
      key(k);
      out += '{';
      bool first_prop = true;
      const simdjson::dom::object props = v.get_object().value_unsafe();
      for (auto [name, sub] : props) {
        if (!first_prop) out += ',';
        first_prop = false;
        append_json_string(out, name);
        out += ':';
        append_gemini_schema(out, sub, depth + 1);
      }
      out += '}';
    } else if (k == "items") {
      key(k);
      append_gemini_schema(out, v, depth + 1);
    } else if (k == "anyOf" && v.is_array()) {
      key(k);
      out += '[';
      bool first_item = true;
      const simdjson::dom::array alternatives = v.get_array().value_unsafe();
      for (element sub : alternatives) {
        if (!first_item) out += ',';
        first_item = false;
        append_gemini_schema(out, sub, depth + 1);
      }
      out += ']';
    } else if (k == "nullable") {
      if (!nullable_written) {
        key(k);
        out += to_json(v);
        nullable_written = true;
      }
    } else if (is_one_of(k, {"type", "format", "title", "description", "enum", "required",
                             "minItems", "maxItems", "minProperties", "maxProperties", "minLength",
                             "maxLength", "pattern", "minimum", "maximum", "propertyOrdering",
                             "example", "default"})) {
      key(k);
      out += to_json(v);
    }
    // Everything else ($schema, additionalProperties, $ref, $defs, strict, ...) is dropped.
  }
  out += '}';
}

Expected<std::string, api::ApiError> encode_generate_content(const api::Request& req) {
  if (req.endpoint() != api::Endpoint::kChatCompletions) {
    return unexpected(api::invalid_request("The Gemini format serves only /v1/chat/completions."));
  }
  const auto root = req.root();
  simdjson::dom::array messages;
  if (root["messages"].get_array().get(messages) != simdjson::SUCCESS) {
    return unexpected(api::invalid_request("messages must be an array.", "messages"));
  }

  std::map<std::string, std::string, std::less<>> tool_names;  // call id → function name
  std::vector<Turn> turns;
  std::vector<std::string> system_parts;

  for (element msg : messages) {
    std::string_view role = json_str(msg, "role");
    element content;
    const bool has_content = msg["content"].get(content) == simdjson::SUCCESS;
    if (role == "system" || role == "developer") {
      if (has_content) {
        std::string text = content_text(content);
        if (!text.empty()) system_parts.push_back(text_part(text));
      }
    } else if (role == "user") {
      if (!has_content) continue;
      auto parts = content_parts(content, /*allow_images=*/true);
      if (!parts) return unexpected(std::move(parts.error()));
      append_turn(turns, "user", std::move(*parts));
    } else if (role == "assistant") {
      std::vector<std::string> parts;
      if (has_content) {
        auto text = content_parts(content, /*allow_images=*/false);
        if (!text) return unexpected(std::move(text.error()));
        parts = std::move(*text);
      }
      simdjson::dom::array calls;
      if (msg["tool_calls"].get_array().get(calls) == simdjson::SUCCESS) {
        for (element call : calls) {
          element fn;
          if (call["function"].get(fn) != simdjson::SUCCESS) continue;
          std::string_view name = json_str(fn, "name");
          std::string_view args = json_str(fn, "arguments");
          tool_names.emplace(std::string(json_str(call, "id")), std::string(name));
          std::string p = R"({"functionCall":{"name":)";
          append_json_string(p, name);
          p += R"(,"args":)";
          simdjson::dom::parser parser;
          element parsed;
          if (args.empty()) {
            p += "{}";
          } else if (parser.parse(args.data(), args.size()).get(parsed) == simdjson::SUCCESS &&
                     parsed.is_object()) {
            p += to_json(parsed);
          } else {
            return unexpected(api::invalid_request(
                "tool_calls[].function.arguments must be a JSON object.", "messages"));
          }
          p += "}}";
          parts.push_back(std::move(p));
        }
      }
      append_turn(turns, "model", std::move(parts));
    } else if (role == "tool" || role == "function") {
      std::string_view id = json_str(msg, "tool_call_id");
      std::string name(json_str(msg, "name"));
      if (auto it = tool_names.find(id); it != tool_names.end()) name = it->second;
      if (name.empty()) {
        return unexpected(
            api::invalid_request("tool message refers to an unknown tool_call_id.", "messages"));
      }
      std::string p = R"({"functionResponse":{"name":)";
      append_json_string(p, name);
      p += R"(,"response":{"content":)";
      append_json_string(p, has_content ? content_text(content) : std::string());
      p += "}}}";
      std::vector<std::string> parts;
      parts.push_back(std::move(p));
      append_turn(turns, "user", std::move(parts));
    } else {
      return unexpected(
          api::invalid_request("Unknown message role: " + std::string(role), "messages"));
    }
  }
  if (turns.empty()) {
    return unexpected(api::invalid_request("messages must contain a user message.", "messages"));
  }

  std::string out = R"({"contents":[)";
  for (std::size_t i = 0; i < turns.size(); ++i) {
    if (i) out += ',';
    out += R"({"role":")";
    out += turns[i].role;
    out += R"(","parts":[)";
    for (std::size_t j = 0; j < turns[i].parts.size(); ++j) {
      if (j) out += ',';
      out += turns[i].parts[j];
    }
    out += "]}";
  }
  out += ']';
  if (!system_parts.empty()) {
    out += R"(,"systemInstruction":{"parts":[)";
    for (std::size_t i = 0; i < system_parts.size(); ++i) {
      if (i) out += ',';
      out += system_parts[i];
    }
    out += "]}";
  }

  // generationConfig
  std::string gen;
  auto gen_key = [&](std::string_view k) {
    gen += gen.empty() ? "" : ",";
    append_json_string(gen, k);
    gen += ':';
  };
  element v;
  if (root["temperature"].get(v) == simdjson::SUCCESS && v.is_number()) {
    gen_key("temperature");
    append_number(gen, v);
  }
  if (root["top_p"].get(v) == simdjson::SUCCESS && v.is_number()) {
    gen_key("topP");
    append_number(gen, v);
  }
  if (auto max = req.max_tokens()) {
    gen_key("maxOutputTokens");
    gen += std::to_string(*max);
  }
  if (root["stop"].get(v) == simdjson::SUCCESS && !v.is_null()) {
    gen_key("stopSequences");
    if (v.is_string()) {
      gen += '[';
      gen += to_json(v);
      gen += ']';
    } else {
      gen += to_json(v);
    }
  }
  if (root["n"].get(v) == simdjson::SUCCESS && v.is_number()) {
    gen_key("candidateCount");
    append_number(gen, v);
  }
  if (root["presence_penalty"].get(v) == simdjson::SUCCESS && v.is_number()) {
    gen_key("presencePenalty");
    append_number(gen, v);
  }
  if (root["frequency_penalty"].get(v) == simdjson::SUCCESS && v.is_number()) {
    gen_key("frequencyPenalty");
    append_number(gen, v);
  }
  if (root["seed"].get(v) == simdjson::SUCCESS && v.is_number()) {
    gen_key("seed");
    append_number(gen, v);
  }
  if (root["response_format"].get(v) == simdjson::SUCCESS && v.is_object()) {
    std::string_view type = json_str(v, "type");
    if (type == "json_object" || type == "json_schema") {
      gen_key("responseMimeType");
      gen += R"("application/json")";
    }
    element schema;
    if (type == "json_schema" && v["json_schema"]["schema"].get(schema) == simdjson::SUCCESS) {
      gen_key("responseSchema");
      append_gemini_schema(gen, schema);
    }
  }
  if (!gen.empty()) {
    out += R"(,"generationConfig":{)";
    out += gen;
    out += '}';
  }

  // tools
  simdjson::dom::array tools;
  if (root["tools"].get_array().get(tools) == simdjson::SUCCESS && tools.size() > 0) {
    out += R"(,"tools":[{"functionDeclarations":[)";
    bool first = true;
    for (element tool : tools) {
      element fn;
      if (json_str(tool, "type") != "function" || tool["function"].get(fn) != simdjson::SUCCESS)
        continue;
      if (!first) out += ',';
      first = false;
      out += R"({"name":)";
      append_json_string(out, json_str(fn, "name"));
      if (std::string_view d = json_str(fn, "description"); !d.empty()) {
        out += R"(,"description":)";
        append_json_string(out, d);
      }
      element params;
      if (fn["parameters"].get(params) == simdjson::SUCCESS && params.is_object()) {
        out += R"(,"parameters":)";
        append_gemini_schema(out, params);
      }
      out += '}';
    }
    out += "]}]";
  }
  if (root["tool_choice"].get(v) == simdjson::SUCCESS && !v.is_null()) {
    std::string_view mode;
    std::string_view only;
    if (v.is_string()) {
      std::string_view c = v.get_string().value_unsafe();
      mode = c == "none" ? "NONE" : c == "required" ? "ANY" : "AUTO";
    } else {
      mode = "ANY";
      element fn;
      if (v["function"].get(fn) == simdjson::SUCCESS) only = json_str(fn, "name");
    }
    out += R"(,"toolConfig":{"functionCallingConfig":{"mode":")";
    out += mode;
    out += '"';
    if (!only.empty()) {
      out += R"(,"allowedFunctionNames":[)";
      append_json_string(out, only);
      out += ']';
    }
    out += "}}";
  }
  out += '}';
  return out;
}

}  // namespace sy::providers::gemini
