// Prompt token counts of OpenAI chat requests, after the rule OpenAI documents in the
// openai-cookbook notebook "How to count tokens with tiktoken" (sections 6 and 7), which
// matches the API's usage.prompt_tokens for gpt-3.5-turbo, gpt-4, gpt-4o and gpt-4o-mini:
//
//   messages: 3 tokens per message + the tokens of every string field's value (role,
//             content, name, tool_call_id, ...) + 1 more per "name" field, and 3 tokens
//             priming the assistant's reply (<|start|>assistant<|message|>).
//   tools:    per function 7 (o200k_base) or 10 (cl100k_base) tokens + tokens of
//             "name:description" (one trailing '.' dropped); if it has properties, 3 tokens
//             + per top-level property 3 tokens + tokens of "key:type:description", and for
//             an enum -3 + per item 3 + the item's tokens; 12 tokens once after all tools.
//
// Extensions beyond the cookbook, all estimates (documented so callers know what is exact):
// - content given as an array of parts: "text" parts (and "refusal") count their text;
//   "image_url" parts count kLowDetailImageTokens for detail "low", otherwise
//   kDefaultImageTokens (85 + 170 per 512 px tile for a 1024x1024 image, 4 tiles: the image
//   size is unknown without fetching it); other parts (audio, files) count 0.
// - assistant "tool_calls" / legacy "function_call" count the function name and arguments
//   text; nested parameter schemas below the top-level properties are not counted.
// - Elements of the wrong JSON type are skipped, never an error.
//
// Thread-safe; no allocation beyond the short tool-definition lines; no exceptions.
#pragma once

#include <simdjson.h>

#include <cstddef>

#include "tokenize/tokenizer.h"

namespace sy::tokenize {

inline constexpr size_t kTokensPerMessage = 3;
inline constexpr size_t kTokensPerName = 1;
inline constexpr size_t kReplyPrimingTokens = 3;
inline constexpr size_t kLowDetailImageTokens = 85;
inline constexpr size_t kDefaultImageTokens = 85 + 170 * 4;

// Tokens of the request's "messages" array, including the reply priming.
size_t count_chat_prompt(simdjson::dom::array messages, Encoding encoding);

// Tokens the request's "tools" array adds (0 for an empty array).
size_t count_tools(simdjson::dom::array tools, Encoding encoding);

// Upper bounds of the two counts above without running the tokenizer: the same
// walk with each text's token count replaced by its length in bytes (every
// BPE token encodes at least one byte, and every step of the walk only adds,
// or subtracts a fixed credit from a running total that only grows). So
// chat_prompt_upper_bound(m) >= count_chat_prompt(m, e) for either encoding.
size_t chat_prompt_upper_bound(simdjson::dom::array messages);
size_t tools_upper_bound(simdjson::dom::array tools, Encoding encoding);

}  // namespace sy::tokenize
