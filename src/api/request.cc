#include "api/request.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <unordered_set>

#include "api/json_scan.h"

namespace sy::api {

std::string_view endpoint_path(Endpoint e) {
  switch (e) {
    case Endpoint::kChatCompletions: return "/chat/completions";
    case Endpoint::kCompletions: return "/completions";
    case Endpoint::kEmbeddings: return "/embeddings";
    case Endpoint::kMessages: return "/messages";
  }
  return "";
}

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

const char* type_name(element_type t) {
  switch (t) {
    case element_type::ARRAY: return "array";
    case element_type::OBJECT: return "object";
    case element_type::INT64:
    case element_type::UINT64: return "integer";
    case element_type::DOUBLE: return "number";
    case element_type::STRING: return "string";
    case element_type::BOOL: return "boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "value";
}

ApiError wrong_type(std::string_view param, std::string_view expected, element v) {
  return invalid_request(fmt::format("Invalid type for '{}': expected {}, but got {}.", param,
                                     expected, type_name(v.type())),
                         std::string(param), "invalid_type");
}

bool is_number(element v) {
  auto t = v.type();
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}
bool is_integer(element v) {
  auto t = v.type();
  if (t == element_type::INT64 || t == element_type::UINT64) return true;
  if (t == element_type::DOUBLE) {
    // Range check first: casting an out-of-range double to int64_t is undefined.
    double d = v.get_double().value_unsafe();
    return d >= -0x1p63 && d < 0x1p63 && d == static_cast<double>(static_cast<int64_t>(d));
  }
  return false;
}
bool is_null(element v) { return v.type() == element_type::NULL_VALUE; }

enum class Kind { kNumber, kInteger, kString, kBool, kObject, kArray, kStringOrArray, kStringOrObject };

struct FieldRule {
  std::string_view name;
  Kind kind;
};

// Optional fields common to the OpenAI endpoints; null means "absent".
constexpr std::array kCommonRules{
    FieldRule{"temperature", Kind::kNumber},       FieldRule{"top_p", Kind::kNumber},
    FieldRule{"frequency_penalty", Kind::kNumber}, FieldRule{"presence_penalty", Kind::kNumber},
    FieldRule{"n", Kind::kInteger},                FieldRule{"max_tokens", Kind::kInteger},
    FieldRule{"max_completion_tokens", Kind::kInteger}, FieldRule{"seed", Kind::kInteger},
    FieldRule{"stream", Kind::kBool},              FieldRule{"stream_options", Kind::kObject},
    FieldRule{"stop", Kind::kStringOrArray},       FieldRule{"user", Kind::kString},
    FieldRule{"tools", Kind::kArray},              FieldRule{"tool_choice", Kind::kStringOrObject},
    FieldRule{"response_format", Kind::kObject},   FieldRule{"logprobs", Kind::kBool},
    FieldRule{"top_logprobs", Kind::kInteger},     FieldRule{"parallel_tool_calls", Kind::kBool},
    FieldRule{"metadata", Kind::kObject},          FieldRule{"logit_bias", Kind::kObject},
    FieldRule{"dimensions", Kind::kInteger},       FieldRule{"encoding_format", Kind::kString},
    FieldRule{"models", Kind::kArray},             FieldRule{"route", Kind::kObject},
};

std::optional<ApiError> check_kind(std::string_view name, Kind kind, element v) {
  switch (kind) {
    case Kind::kNumber:
      if (!is_number(v)) return wrong_type(name, "a number", v);
      break;
    case Kind::kInteger:
      if (!is_integer(v)) return wrong_type(name, "an integer", v);
      break;
    case Kind::kString:
      if (!v.is_string()) return wrong_type(name, "a string", v);
      break;
    case Kind::kBool:
      if (!v.is_bool()) return wrong_type(name, "a boolean", v);
      break;
    case Kind::kObject:
      if (!v.is_object()) return wrong_type(name, "an object", v);
      break;
    case Kind::kArray:
      if (!v.is_array()) return wrong_type(name, "an array", v);
      break;
    case Kind::kStringOrArray:
      if (!v.is_string() && !v.is_array()) return wrong_type(name, "a string or an array", v);
      break;
    case Kind::kStringOrObject:
      if (!v.is_string() && !v.is_object()) return wrong_type(name, "a string or an object", v);
      break;
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 6> kRoles{"system", "developer", "user",
                                                 "assistant", "tool", "function"};

// A member an object walk looks for, and where its value goes.
using MemberSlot = std::pair<std::string_view, std::optional<element>*>;

// Puts `value` into the slot named `key`, if any; the first of a repeated key
// counts, as with a lookup.
template <std::size_t N>
void note_member(std::string_view key, element value, const MemberSlot (&slots)[N]) {
  for (const auto& [name, slot] : slots) {
    if (key != name) continue;
    if (!*slot) *slot = value;
    return;
  }
}

// Names "messages[i]" (and deeper paths) only for an error: a valid request
// formats no strings.
std::string message_path(std::size_t i) { return fmt::format("messages[{}]", i); }

std::optional<ApiError> check_messages(element messages) {
  if (!messages.is_array()) return wrong_type("messages", "an array", messages);
  simdjson::dom::array arr = messages.get_array().value_unsafe();
  if (arr.size() == 0) {
    return invalid_request("'messages' must contain at least one message.", "messages",
                           "empty_array");
  }
  std::size_t i = 0;
  for (element m : arr) {
    const std::size_t index = i++;
    if (!m.is_object()) return wrong_type(message_path(index), "an object", m);
    // One pass over the message's members, not a lookup per name.
    std::optional<element> role_member, content, name, tool_calls, tool_call_id;
    const MemberSlot slots[] = {{"role", &role_member},
                                {"content", &content},
                                {"name", &name},
                                {"tool_calls", &tool_calls},
                                {"tool_call_id", &tool_call_id}};
    // Named: iterating a temporary simdjson_result's value would dangle.
    const simdjson::dom::object obj = m.get_object().value_unsafe();
    for (auto field : obj) note_member(field.key, field.value, slots);
    if (!role_member) {
      const std::string at = message_path(index);
      return invalid_request(fmt::format("Missing required parameter: '{}.role'.", at),
                             at + ".role", "missing_required_parameter");
    }
    const element role = *role_member;
    if (!role.is_string()) return wrong_type(message_path(index) + ".role", "a string", role);
    std::string_view r = role.get_string().value_unsafe();
    if (std::find(kRoles.begin(), kRoles.end(), r) == kRoles.end()) {
      const std::string at = message_path(index);
      return invalid_request(
          fmt::format("Invalid value for '{}.role': '{}' is not one of system, developer, user, "
                      "assistant, tool, function.",
                      at, r.substr(0, 32)),
          at + ".role", "invalid_value");
    }
    if (content && !is_null(*content)) {
      if (content->is_array()) {
        std::size_t j = 0;
        // Named: iterating a temporary simdjson_result's value would dangle.
        simdjson::dom::array parts = content->get_array().value_unsafe();
        for (element part : parts) {
          const std::size_t part_index = j++;
          auto part_path = [&] {
            return fmt::format("{}.content[{}]", message_path(index), part_index);
          };
          if (!part.is_object()) return wrong_type(part_path(), "an object", part);
          element type;
          if (part["type"].get(type) != simdjson::SUCCESS || !type.is_string()) {
            const std::string pat = part_path();
            return invalid_request(fmt::format("Missing required parameter: '{}.type'.", pat),
                                   pat + ".type", "missing_required_parameter");
          }
        }
      } else if (!content->is_string()) {
        return wrong_type(message_path(index) + ".content", "a string or an array", *content);
      }
    } else if (r == "user" || r == "system" || r == "developer") {
      const std::string at = message_path(index);
      return invalid_request(fmt::format("Missing required parameter: '{}.content'.", at),
                             at + ".content", "missing_required_parameter");
    }
    if (name && !is_null(*name) && !name->is_string()) {
      return wrong_type(message_path(index) + ".name", "a string", *name);
    }
    if (tool_calls && !is_null(*tool_calls) && !tool_calls->is_array()) {
      return wrong_type(message_path(index) + ".tool_calls", "an array", *tool_calls);
    }
    if (tool_call_id && !is_null(*tool_call_id) && !tool_call_id->is_string()) {
      return wrong_type(message_path(index) + ".tool_call_id", "a string", *tool_call_id);
    }
  }
  return std::nullopt;
}

ApiError duplicate(std::string_view key) {
  return invalid_request(
      fmt::format("Duplicate parameter '{}' in the request body.", key.substr(0, 64)),
      std::string(key.substr(0, 64)), "duplicate_parameter");
}

// The top-level members parse_request() reads, noted in one pass over the
// object (keys are unique by then: a duplicate is an error).
struct TopMembers {
  std::optional<element> model, messages, prompt, input, stream, stream_options, max_tokens,
      max_completion_tokens;
  std::optional<std::size_t> model_index, stream_options_index;  // member positions

  // Where note_member() puts each member's value.
  const MemberSlot slots[8] = {{"model", &model},
                               {"messages", &messages},
                               {"stream", &stream},
                               {"max_tokens", &max_tokens},
                               {"max_completion_tokens", &max_completion_tokens},
                               {"stream_options", &stream_options},
                               {"prompt", &prompt},
                               {"input", &input}};

  TopMembers() = default;
  TopMembers(const TopMembers&) = delete;  // slots point into this object
  TopMembers& operator=(const TopMembers&) = delete;

  void note(std::string_view key, element value, std::size_t index) {
    note_member(key, value, slots);
    if (key == "model") model_index = index;
    if (key == "stream_options") stream_options_index = index;
  }
};

ApiError missing(std::string_view name) {
  return invalid_request(fmt::format("Missing required parameter: '{}'.", name),
                         std::string(name), "missing_required_parameter");
}

}  // namespace

Request::Request(Request&& other) noexcept { *this = std::move(other); }

Request& Request::operator=(Request&& other) noexcept {
  if (this == &other) return *this;
  const bool parsed = other.has_root_;
  endpoint_ = other.endpoint_;
  body_ = std::move(other.body_);
  doc_ = std::move(other.doc_);
  model_ = other.model_;  // points into the document's string buffer, which moved intact
  stream_ = other.stream_;
  include_usage_ = other.include_usage_;
  max_tokens_ = other.max_tokens_;
  model_span_ = other.model_span_;
  stream_options_span_ = other.stream_options_span_;
  root_ = simdjson::dom::object();
  has_root_ = false;
  other.has_root_ = false;
  simdjson::dom::object rebound;
  if (parsed && doc_.root().get_object().get(rebound) == simdjson::SUCCESS) {
    root_ = rebound;
    has_root_ = true;
  }
  return *this;
}

Expected<Request, ApiError> parse_request(Endpoint endpoint, std::string body) {
  Request req;
  req.endpoint_ = endpoint;
  req.body_ = std::move(body);
  const std::size_t len = req.body_.size();
  req.body_.reserve(len + simdjson::SIMDJSON_PADDING);

  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto err = parser.parse_into_document(req.doc_, reinterpret_cast<const uint8_t*>(req.body_.data()),
                                        len, false)
                 .get(root);
  if (err) {
    return unexpected(invalid_request(
        fmt::format("We could not parse the JSON body of your request ({}). The body must be "
                    "valid JSON.",
                    simdjson::error_message(err)),
        "", "invalid_json"));
  }
  if (!root.is_object()) {
    return unexpected(invalid_request("The request body must be a JSON object.", "", "invalid_json"));
  }
  req.root_ = root.get_object().value_unsafe();
  req.has_root_ = true;

  // One pass over the top-level members: the values read below, the first
  // wrong-typed field (of several, the one first in kCommonRules), and the
  // keys for the duplicate check.
  TopMembers top;
  std::optional<ApiError> first_error;
  std::size_t first_rule = kCommonRules.size();
  const bool check_rules = endpoint != Endpoint::kMessages;
  std::size_t count = 0;
  for (auto field : req.root_) {
    top.note(field.key, field.value, count++);
    if (!check_rules) continue;
    for (std::size_t r = 0; r < first_rule; ++r) {
      if (kCommonRules[r].name != field.key) continue;
      if (is_null(field.value)) break;
      if (auto e = check_kind(kCommonRules[r].name, kCommonRules[r].kind, field.value)) {
        first_error = std::move(e);
        first_rule = r;
      }
      break;
    }
  }

  // No duplicates: an upstream may read the last copy while we route on the
  // first. Pairwise for the usual handful of keys; a hash set beyond (a body
  // may carry ~10^5 keys).
  constexpr std::size_t kPairwiseKeys = 16;
  if (count > kPairwiseKeys) {
    std::unordered_set<std::string_view> seen;
    seen.reserve(count);
    for (auto field : req.root_) {
      if (!seen.insert(field.key).second) return unexpected(duplicate(field.key));
    }
  } else {
    std::array<std::string_view, kPairwiseKeys> keys;
    std::size_t n = 0;
    for (auto field : req.root_) {
      for (std::size_t j = 0; j < n; ++j) {
        if (keys[j] == field.key) return unexpected(duplicate(field.key));
      }
      keys[n++] = field.key;
    }
  }

  // Raw spans for splicing: the scanner walks only as far as the last member
  // needed (members come in the same order as in the DOM).
  std::size_t needed = 0;
  if (top.model_index) needed = *top.model_index + 1;
  if (top.stream_options_index) needed = std::max(needed, *top.stream_options_index + 1);
  TopLevelScanner scanner(req.body_);
  for (std::size_t i = 0; i < needed; ++i) {
    std::optional<RawMember> m = scanner.next();
    if (!m) {
      return unexpected(invalid_request("The request body could not be read as a JSON object.", "",
                                        "invalid_json"));
    }
    if (i == top.model_index) req.model_span_ = {m->value_begin, m->value_end};
    if (i == top.stream_options_index) req.stream_options_span_ = {m->value_begin, m->value_end};
  }

  if (!top.model || is_null(*top.model)) return unexpected(missing("model"));
  const element model = *top.model;
  if (!model.is_string()) return unexpected(wrong_type("model", "a string", model));
  req.model_ = model.get_string().value_unsafe();
  if (req.model_.empty()) {
    return unexpected(invalid_request("'model' must not be empty.", "model", "invalid_value"));
  }
  if (first_error) return unexpected(std::move(*first_error));

  if (top.stream && top.stream->is_bool()) req.stream_ = top.stream->get_bool().value_unsafe();
  if (top.stream_options && top.stream_options->is_object()) {
    element inc;
    if ((*top.stream_options)["include_usage"].get(inc) == simdjson::SUCCESS && !is_null(inc)) {
      if (!inc.is_bool()) return unexpected(wrong_type("stream_options.include_usage", "a boolean", inc));
      req.include_usage_ = inc.get_bool().value_unsafe();
    }
  }
  const std::pair<std::string_view, const std::optional<element>*> max_fields[] = {
      {"max_completion_tokens", &top.max_completion_tokens}, {"max_tokens", &top.max_tokens}};
  for (const auto& [name, value] : max_fields) {
    if (!*value) continue;
    const element v = **value;
    if (is_integer(v)) {
      int64_t n = v.is_int64() ? v.get_int64().value_unsafe()
                               : static_cast<int64_t>(v.get_double().value_unsafe());
      if (v.type() == element_type::UINT64) n = INT64_MAX;
      if (n < 1) {
        return unexpected(invalid_request(
            fmt::format("Invalid '{}': integer below minimum value 1.", name), std::string(name),
            "integer_below_min_value"));
      }
      req.max_tokens_ = n;
      break;
    }
  }

  switch (endpoint) {
    case Endpoint::kChatCompletions:
    case Endpoint::kMessages: {
      if (!top.messages || is_null(*top.messages)) return unexpected(missing("messages"));
      const element messages = *top.messages;
      if (endpoint == Endpoint::kChatCompletions) {
        if (auto e = check_messages(messages)) return unexpected(std::move(*e));
      } else if (!messages.is_array()) {
        return unexpected(wrong_type("messages", "an array", messages));
      }
      break;
    }
    case Endpoint::kCompletions: {
      if (!top.prompt || is_null(*top.prompt)) return unexpected(missing("prompt"));
      const element prompt = *top.prompt;
      if (!prompt.is_string() && !prompt.is_array()) {
        return unexpected(wrong_type("prompt", "a string or an array", prompt));
      }
      break;
    }
    case Endpoint::kEmbeddings: {
      if (!top.input || is_null(*top.input)) return unexpected(missing("input"));
      const element input = *top.input;
      if (!input.is_string() && !input.is_array()) {
        return unexpected(wrong_type("input", "a string or an array", input));
      }
      if (req.stream_) {
        return unexpected(invalid_request("Embeddings cannot be streamed.", "stream", "invalid_value"));
      }
      break;
    }
  }
  return req;
}

}  // namespace sy::api
