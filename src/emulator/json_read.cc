#include "emulator/json_read.h"

namespace sy::emulator {

std::optional<element> field(element obj, std::string_view key) {
  if (!obj.is_object()) return std::nullopt;
  element v;
  if (obj.at_key(key).get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

std::string string_field(element obj, std::string_view key, std::string_view fallback) {
  auto v = field(obj, key);
  std::string_view s;
  if (!v || v->get_string().get(s) != simdjson::SUCCESS) return std::string(fallback);
  return std::string(s);
}

std::optional<int64_t> int_field(element obj, std::string_view key) {
  auto v = field(obj, key);
  if (!v) return std::nullopt;
  int64_t n;
  if (v->get_int64().get(n) == simdjson::SUCCESS) return n;
  double d;
  if (v->get_double().get(d) == simdjson::SUCCESS) return static_cast<int64_t>(d);
  return std::nullopt;
}

bool bool_field(element obj, std::string_view key, bool fallback) {
  auto v = field(obj, key);
  bool b;
  if (!v || v->get_bool().get(b) != simdjson::SUCCESS) return fallback;
  return b;
}

namespace {

int64_t count_words_sv(std::string_view s) {
  int64_t n = 0;
  bool in_word = false;
  for (unsigned char c : s) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

bool is_text_key(std::string_view k) {
  return k == "content" || k == "text" || k == "prompt" || k == "input" || k == "system";
}

int64_t walk(element v, bool text_context, int depth) {
  if (depth > 64) return 0;
  switch (v.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view s;
      if (text_context && v.get_string().get(s) == simdjson::SUCCESS) return count_words_sv(s);
      return 0;
    }
    case simdjson::dom::element_type::ARRAY: {
      int64_t n = 0;
      simdjson::dom::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return 0;
      for (element e : arr) n += walk(e, text_context, depth + 1);
      return n;
    }
    case simdjson::dom::element_type::OBJECT: {
      int64_t n = 0;
      simdjson::dom::object obj;
      if (v.get_object().get(obj) != simdjson::SUCCESS) return 0;
      for (auto [k, e] : obj) n += walk(e, is_text_key(k), depth + 1);
      return n;
    }
    default:
      return 0;
  }
}

}  // namespace

int64_t prompt_words_in(element v) { return walk(v, true, 0); }

std::string content_text(element content) {
  std::string_view s;
  if (content.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  std::string out;
  simdjson::dom::array arr;
  if (content.get_array().get(arr) != simdjson::SUCCESS) return out;
  for (element part : arr) {
    auto text = field(part, "text");
    std::string_view t;
    if (text && text->get_string().get(t) == simdjson::SUCCESS) {
      if (!out.empty()) out += ' ';
      out += t;
    }
  }
  return out;
}

std::string first_property(element schema) {
  auto props = field(schema, "properties");
  simdjson::dom::object obj;
  if (!props || props->get_object().get(obj) != simdjson::SUCCESS) return {};
  for (auto [k, v] : obj) return std::string(k);
  return {};
}

}  // namespace sy::emulator
