// Helpers for reading request bodies with simdjson's DOM, error codes only
// (no exceptions). All functions tolerate missing fields and wrong types by
// returning the fallback.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sy::emulator {

using simdjson::dom::element;

std::optional<element> field(element obj, std::string_view key);
std::string string_field(element obj, std::string_view key, std::string_view fallback = {});
std::optional<int64_t> int_field(element obj, std::string_view key);
bool bool_field(element obj, std::string_view key, bool fallback = false);

// Whitespace words in every string found under keys named content, text,
// prompt, input or system, anywhere inside `v` (depth-bounded).
int64_t prompt_words_in(element v);

// Concatenated text of an OpenAI/Anthropic-style content value: a string, or
// an array of parts whose "text" members are joined with ' '.
std::string content_text(element content);

// First property name of a JSON schema object (`schema.properties`), or "".
std::string first_property(element schema);

}  // namespace sy::emulator
