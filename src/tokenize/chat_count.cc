#include "tokenize/chat_count.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace sy::tokenize {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

std::string_view string_or_empty(element value) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return {};
  return text;
}

std::string_view string_field(object obj, std::string_view key) {
  element value;
  if (obj.at_key(key).get(value) != simdjson::SUCCESS) return {};
  return string_or_empty(value);
}

template <class Counter>
size_t count_content_parts(const Counter& tok, array parts) {
  size_t total = 0;
  for (element part_element : parts) {
    object part;
    if (part_element.get_object().get(part) != simdjson::SUCCESS) continue;
    const std::string_view type = string_field(part, "type");
    if (type == "text") {
      total += tok.count(string_field(part, "text"));
    } else if (type == "refusal") {
      total += tok.count(string_field(part, "refusal"));
    } else if (type == "image_url") {
      object image;
      std::string_view detail;
      if (part.at_key("image_url").get_object().get(image) == simdjson::SUCCESS) {
        detail = string_field(image, "detail");
      }
      total += detail == "low" ? kLowDetailImageTokens : kDefaultImageTokens;
    }
  }
  return total;
}

template <class Counter>
size_t count_function_call(const Counter& tok, element call_element) {
  object call;
  if (call_element.get_object().get(call) != simdjson::SUCCESS) return 0;
  return tok.count(string_field(call, "name")) + tok.count(string_field(call, "arguments"));
}

template <class Counter>
size_t count_tool_calls(const Counter& tok, array calls) {
  size_t total = 0;
  for (element call_element : calls) {
    object call;
    element function;
    if (call_element.get_object().get(call) != simdjson::SUCCESS) continue;
    if (call.at_key("function").get(function) != simdjson::SUCCESS) continue;
    total += count_function_call(tok, function);
  }
  return total;
}

template <class Counter>
size_t count_message(const Counter& tok, object message) {
  size_t total = kTokensPerMessage;
  for (auto field : message) {
    const std::string_view key = field.key;
    std::string_view text;
    if (field.value.get_string().get(text) == simdjson::SUCCESS) {
      total += tok.count(text);
      if (key == "name") total += kTokensPerName;
      continue;
    }
    array items;
    if (key == "content" && field.value.get_array().get(items) == simdjson::SUCCESS) {
      total += count_content_parts(tok, items);
    } else if (key == "tool_calls" && field.value.get_array().get(items) == simdjson::SUCCESS) {
      total += count_tool_calls(tok, items);
    } else if (key == "function_call") {
      total += count_function_call(tok, field.value);
    }
  }
  return total;
}

std::string_view without_trailing_period(std::string_view text) {
  if (text.ends_with('.')) text.remove_suffix(1);
  return text;
}

// A property's "type": a string, or the first string of a type array (["string", "null"]).
std::string_view property_type(object property) {
  element type;
  if (property.at_key("type").get(type) != simdjson::SUCCESS) return {};
  array types;
  if (type.get_array().get(types) == simdjson::SUCCESS) {
    for (element t : types) {
      if (t.is_string()) return string_or_empty(t);
    }
    return {};
  }
  return string_or_empty(type);
}

struct ToolCosts {
  size_t function_init;
  size_t properties_init = 3;
  size_t property_key = 3;
  size_t enum_item = 3;
  size_t enum_init_credit = 3;  // subtracted once per enum (the cookbook's enum_init = -3)
  size_t tools_end = 12;
};

template <class Counter>
size_t count_properties(const Counter& tok, const ToolCosts& costs, object properties,
                        std::string& line) {
  size_t total = costs.properties_init;
  for (auto field : properties) {
    total += costs.property_key;
    object property;
    const bool described = field.value.get_object().get(property) == simdjson::SUCCESS;
    array enum_items;
    if (described && property.at_key("enum").get(enum_items) == simdjson::SUCCESS) {
      for (element item : enum_items) total += costs.enum_item + tok.count(string_or_empty(item));
      total -= std::min(total, costs.enum_init_credit);  // never below zero
    }
    line.assign(field.key);
    line += ':';
    if (described) line += property_type(property);
    line += ':';
    if (described) line += without_trailing_period(string_field(property, "description"));
    total += tok.count(line);
  }
  return total;
}

// Stands in for the tokenizer when only an upper bound is wanted: a BPE
// token encodes at least one byte, so a text never has more tokens than bytes.
struct ByteCounter {
  size_t count(std::string_view text) const { return text.size(); }
};

template <class Counter>
size_t walk_chat_prompt(const Counter& tok, array messages) {
  size_t total = kReplyPrimingTokens;
  for (element message_element : messages) {
    object message;
    if (message_element.get_object().get(message) != simdjson::SUCCESS) continue;
    total += count_message(tok, message);
  }
  return total;
}

template <class Counter>
size_t walk_tools(const Counter& tok, array tools, Encoding encoding) {
  const ToolCosts costs{.function_init = encoding == Encoding::kCl100kBase ? 10u : 7u};
  size_t total = 0;
  bool any = false;
  std::string line;
  for (element tool_element : tools) {
    any = true;
    object tool;
    object function;
    if (tool_element.get_object().get(tool) != simdjson::SUCCESS) continue;
    if (tool.at_key("function").get_object().get(function) != simdjson::SUCCESS) continue;
    total += costs.function_init;
    line.assign(string_field(function, "name"));
    line += ':';
    line += without_trailing_period(string_field(function, "description"));
    total += tok.count(line);
    object properties;
    if (function.at_key("parameters")["properties"].get_object().get(properties) ==
            simdjson::SUCCESS &&
        properties.size() > 0) {
      total += count_properties(tok, costs, properties, line);
    }
  }
  if (any) total += costs.tools_end;
  return total;
}

}  // namespace

size_t count_chat_prompt(array messages, Encoding encoding) {
  return walk_chat_prompt(tokenizer(encoding), messages);
}

size_t count_tools(array tools, Encoding encoding) {
  return walk_tools(tokenizer(encoding), tools, encoding);
}

size_t chat_prompt_upper_bound(array messages) { return walk_chat_prompt(ByteCounter{}, messages); }

size_t tools_upper_bound(array tools, Encoding encoding) {
  return walk_tools(ByteCounter{}, tools, encoding);
}

}  // namespace sy::tokenize
