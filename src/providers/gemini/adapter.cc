#include "providers/gemini/adapter.h"

#include <cctype>

#include "providers/gemini/errors.h"
#include "providers/gemini/request.h"
#include "providers/gemini/response.h"
#include "providers/gemini/stream.h"

namespace sy::providers::gemini {
namespace {

// Percent-encodes a model name for a path segment; '/' is kept so
// "tunedModels/x" style names stay addressable.
std::string encode_model(std::string_view model) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : model) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

Expected<UpstreamRequest, api::ApiError> GeminiAdapter::encode(const api::Request& req,
                                                               const Target& target) const {
  auto body = encode_generate_content(req);
  if (!body) return unexpected(std::move(body.error()));
  UpstreamRequest out;
  std::string_view model = target.model;
  if (model.substr(0, 7) == "models/") model.remove_prefix(7);
  out.target = target.provider->base.base_path;
  out.target += "/models/";
  out.target += encode_model(model);
  out.target += req.stream() ? ":streamGenerateContent?alt=sse" : ":generateContent";
  out.headers.emplace_back("content-type", "application/json");
  if (!target.provider->api_key.empty())
    out.headers.emplace_back("x-goog-api-key", target.provider->api_key);
  for (const auto& h : target.provider->headers) out.headers.push_back(h);
  out.body = std::move(*body);
  return out;
}

Expected<DecodedResponse, UpstreamError> GeminiAdapter::decode(const api::Request& req,
                                                               std::string body) const {
  return decode_generate_content(body, req.model(), *ids_);
}

std::unique_ptr<StreamTranscoder> GeminiAdapter::transcoder(const api::Request& req) const {
  return std::make_unique<GeminiStreamTranscoder>(std::string(req.model()), req.include_usage(),
                                                  ids_);
}

UpstreamError GeminiAdapter::classify(int status, std::string_view body) const {
  return classify_gemini_error(status, body);
}

}  // namespace sy::providers::gemini
