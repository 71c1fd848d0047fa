// How answers are shaped for the client: OpenAI's API (identity) or, for the
// Anthropic-compatible endpoint POST /v1/messages, translated to Anthropic's
// message body, SSE events and error shape. The proxy produces OpenAI shapes
// and passes everything through one ClientFormat. Per request; single-threaded.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "api/error.h"
#include "server/response.h"
#include "util/expected.h"

namespace sy::server {

class ClientFormat {
 public:
  virtual ~ClientFormat() = default;
  virtual Response error(const api::ApiError& e) const = 0;
  // A complete OpenAI body → the client's body.
  virtual Expected<std::string, api::ApiError> body(std::string openai_body) = 0;
  // OpenAI SSE bytes → the client's SSE bytes, appended to `out`.
  virtual Expected<std::monostate, api::ApiError> stream(std::string_view openai_sse,
                                                         std::string& out) = 0;
  virtual Expected<std::monostate, api::ApiError> finish(std::string& out) = 0;
  // The event that ends a broken stream.
  virtual void stream_error(const api::ApiError& e, std::string& out) const = 0;
};

std::unique_ptr<ClientFormat> openai_format();
std::unique_ptr<ClientFormat> anthropic_format(std::string requested_model);

}  // namespace sy::server
