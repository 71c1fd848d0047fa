// A parsed, validated inbound request body for the OpenAI-compatible API.
//
// parse_request() validates the JSON (malformed JSON, wrong field types and
// missing required fields become 400 errors naming the field) and keeps the
// raw bytes alongside a simdjson DOM, so pass-through adapters can forward the
// body nearly untouched while translating adapters read fields from the DOM.
// A Request owns its body and DOM; it is move-only and not thread-safe.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/error.h"
#include "util/expected.h"

namespace sy::api {

enum class Endpoint { kChatCompletions, kCompletions, kEmbeddings, kMessages };

std::string_view endpoint_path(Endpoint e);  // e.g. "/chat/completions"

// Byte range [begin, end) of a top-level value inside Request::body().
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool present() const { return end > begin; }
};

class Request {
 public:
  Request() = default;
  // Moves rebind root() to the moved document (a simdjson view points at its
  // document object, not only at the heap buffers that move with it).
  Request(Request&& other) noexcept;
  Request& operator=(Request&& other) noexcept;

  Endpoint endpoint() const { return endpoint_; }
  const std::string& body() const { return body_; }
  simdjson::dom::object root() const { return root_; }

  std::string_view model() const { return model_; }
  bool stream() const { return stream_; }
  // The client asked for the trailing usage chunk (stream_options.include_usage).
  bool include_usage() const { return include_usage_; }
  // max_completion_tokens, else max_tokens, when the client set one.
  std::optional<int64_t> max_tokens() const { return max_tokens_; }

  // Raw spans of top-level values, for splicing rewrites.
  Span model_span() const { return model_span_; }
  Span stream_options_span() const { return stream_options_span_; }

  // Rewrites the model (to the deployment's name) before a retry on another
  // deployment; the DOM keeps pointing at the original bytes.
  friend Expected<Request, ApiError> parse_request(Endpoint, std::string);

 private:
  Endpoint endpoint_ = Endpoint::kChatCompletions;
  std::string body_;
  simdjson::dom::document doc_;
  simdjson::dom::object root_;
  std::string_view model_;
  bool stream_ = false;
  bool include_usage_ = false;
  std::optional<int64_t> max_tokens_;
  Span model_span_;
  Span stream_options_span_;
  bool has_root_ = false;  // root_ is bound to doc_
};

// Spare capacity past a body's end that lets parse_request() parse it in
// place; a body with less is copied once into a larger buffer.
inline constexpr std::size_t kBodyPadding = simdjson::SIMDJSON_PADDING;

// Takes ownership of `body` (any capacity; it is padded as simdjson needs).
Expected<Request, ApiError> parse_request(Endpoint endpoint, std::string body);

}  // namespace sy::api
