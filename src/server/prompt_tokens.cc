#include "server/prompt_tokens.h"

#include "tokenize/chat_count.h"
#include "tokenize/tokenizer.h"

namespace sy::server {

namespace {
int64_t count_value(simdjson::dom::element v, const tokenize::Tokenizer& t) {
  if (v.is_string()) return static_cast<int64_t>(t.count(v.get_string().value_unsafe()));
  int64_t n = 0;
  if (v.is_array()) {
    for (simdjson::dom::element e : simdjson::dom::array(v.get_array().value_unsafe())) {
      n += e.is_string() ? static_cast<int64_t>(t.count(e.get_string().value_unsafe())) : 1;
    }
  }
  return n;
}
}  // namespace

int64_t prompt_tokens(const api::Request& req) {
  const tokenize::Encoding enc = tokenize::encoding_for_model(req.model());
  simdjson::dom::element v;
  switch (req.endpoint()) {
    case api::Endpoint::kChatCompletions:
    case api::Endpoint::kMessages: {
      int64_t n = 0;
      simdjson::dom::array arr;
      if (req.root()["messages"].get_array().get(arr) == simdjson::SUCCESS) {
        n += static_cast<int64_t>(tokenize::count_chat_prompt(arr, enc));
      }
      if (req.root()["tools"].get_array().get(arr) == simdjson::SUCCESS) {
        n += static_cast<int64_t>(tokenize::count_tools(arr, enc));
      }
      return n;
    }
    case api::Endpoint::kCompletions:
      if (req.root()["prompt"].get(v) == simdjson::SUCCESS) return count_value(v, tokenize::tokenizer(enc));
      return 0;
    case api::Endpoint::kEmbeddings:
      if (req.root()["input"].get(v) == simdjson::SUCCESS) return count_value(v, tokenize::tokenizer(enc));
      return 0;
  }
  return 0;
}

}  // namespace sy::server
