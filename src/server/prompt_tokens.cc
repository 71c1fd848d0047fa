#include "server/prompt_tokens.h"

#include "tokenize/chat_count.h"
#include "tokenize/tokenizer.h"

namespace sy::server {

namespace {

// Counts a completions "prompt" / embeddings "input": a string, or an array
// whose strings are counted and whose other items (token ids) count 1 each.
template <class CountText>
int64_t count_value(simdjson::dom::element v, const CountText& count_text) {
  if (v.is_string()) return static_cast<int64_t>(count_text(v.get_string().value_unsafe()));
  int64_t n = 0;
  if (v.is_array()) {
    for (simdjson::dom::element e : simdjson::dom::array(v.get_array().value_unsafe())) {
      n += e.is_string() ? static_cast<int64_t>(count_text(e.get_string().value_unsafe())) : 1;
    }
  }
  return n;
}

// The walk shared by the exact count and the bound: `chat(messages)`,
// `tools(tools)` and `text(string)` do the counting.
template <class Chat, class Tools, class Text>
int64_t walk_prompt(const api::Request& req, const Chat& chat, const Tools& tools,
                    const Text& text) {
  simdjson::dom::element v;
  switch (req.endpoint()) {
    case api::Endpoint::kChatCompletions:
    case api::Endpoint::kMessages: {
      int64_t n = 0;
      simdjson::dom::array arr;
      if (req.root()["messages"].get_array().get(arr) == simdjson::SUCCESS) {
        n += static_cast<int64_t>(chat(arr));
      }
      if (req.root()["tools"].get_array().get(arr) == simdjson::SUCCESS) {
        n += static_cast<int64_t>(tools(arr));
      }
      return n;
    }
    case api::Endpoint::kCompletions:
      if (req.root()["prompt"].get(v) == simdjson::SUCCESS) return count_value(v, text);
      return 0;
    case api::Endpoint::kEmbeddings:
      if (req.root()["input"].get(v) == simdjson::SUCCESS) return count_value(v, text);
      return 0;
  }
  return 0;
}

}  // namespace

int64_t prompt_tokens(const api::Request& req) {
  return prompt_tokens(req, tokenize::encoding_for_model(req.model()));
}

int64_t prompt_tokens(const api::Request& req, tokenize::Encoding enc) {
  return walk_prompt(
      req, [enc](simdjson::dom::array m) { return tokenize::count_chat_prompt(m, enc); },
      [enc](simdjson::dom::array t) { return tokenize::count_tools(t, enc); },
      [enc](std::string_view s) { return tokenize::tokenizer(enc).count(s); });
}

int64_t prompt_tokens_upper_bound(const api::Request& req) {
  const tokenize::Encoding enc = tokenize::encoding_for_model(req.model());
  return walk_prompt(
      req, [](simdjson::dom::array m) { return tokenize::chat_prompt_upper_bound(m); },
      [enc](simdjson::dom::array t) { return tokenize::tools_upper_bound(t, enc); },
      [](std::string_view s) { return s.size(); });
}

int64_t routing_prompt_tokens(const api::Request& req, const routing::RoutingTable& table) {
  if (!table.prompt_count_matters()) {
    const int64_t bound = prompt_tokens_upper_bound(req);
    const int64_t window = table.smallest_context_window();
    if (window == 0 || bound + req.max_tokens().value_or(0) <= window) return bound;
  }
  return prompt_tokens(req);
}

}  // namespace sy::server
