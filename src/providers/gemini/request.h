// Encodes an OpenAI chat request as a Gemini GenerateContentRequest body
// (contents, systemInstruction, generationConfig, tools, toolConfig).
// Roles: user/tool → "user", assistant → "model"; system and developer
// messages become systemInstruction; consecutive turns of one role are merged.
// Errors are client errors naming the offending field. Pure; thread-safe.
#pragma once

#include <string>

#include "api/error.h"
#include "api/request.h"
#include "util/expected.h"

namespace sy::providers::gemini {

Expected<std::string, api::ApiError> encode_generate_content(const api::Request& req);

// Copies a JSON Schema keeping only the subset Gemini's Schema object accepts
// (type, format, description, nullable, enum, items, properties, required,
// anyOf, ...). A "type" array with "null" becomes nullable. Appends to `out`.
void append_gemini_schema(std::string& out, simdjson::dom::element schema, int depth = 0);

}  // namespace sy::providers::gemini
