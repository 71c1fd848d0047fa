#include "emulator/router.h"

#include <fmt/chrono.h>

#include <chrono>

#include "emulator/anthropic_api.h"
#include "emulator/bedrock_api.h"
#include "emulator/gemini_api.h"
#include "emulator/openai_api.h"

namespace sy::emulator {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Reply dispatch(const Inbound& in, const Scenario& s, bool faults) {
  std::string_view path = in.path;
  bool post = in.method == "POST";
  // Bedrock: /model/{modelId}/converse[-stream]
  if (post && path.starts_with("/model/")) {
    std::string_view rest = path.substr(7);
    if (ends_with(rest, "/converse-stream")) {
      return bedrock_converse(in, s, faults, rest.substr(0, rest.size() - 16), true);
    }
    if (ends_with(rest, "/converse")) {
      return bedrock_converse(in, s, faults, rest.substr(0, rest.size() - 9), false);
    }
  }
  // Gemini: /v1beta/models/{model}:generateContent (also /v1/).
  if (post && (path.starts_with("/v1beta/models/") || path.starts_with("/v1/models/"))) {
    std::size_t colon = path.rfind(':');
    std::size_t start = path.find("/models/") + 8;
    if (colon != std::string_view::npos && colon > start) {
      std::string_view model = path.substr(start, colon - start);
      std::string_view method = path.substr(colon + 1);
      if (method == "generateContent") return gemini_generate(in, s, faults, model, false);
      if (method == "streamGenerateContent") return gemini_generate(in, s, faults, model, true);
    }
  }
  if (post && path == "/v1/messages") return anthropic_messages(in, s, faults);
  // OpenAI and OpenAI-compatible (Azure-style prefixes are accepted too).
  if (post && ends_with(path, "/chat/completions")) return openai_chat_completions(in, s, faults);
  if (post && ends_with(path, "/completions")) return openai_completions(in, s, faults);
  if (post && ends_with(path, "/embeddings")) return openai_embeddings(in, s, faults);
  if (in.method == "GET" && ends_with(path, "/models")) return openai_models(in, "");
  if (in.method == "GET") {
    std::size_t at = path.rfind("/models/");
    if (at != std::string_view::npos && path.find('/', at + 8) == std::string_view::npos) {
      return openai_models(in, path.substr(at + 8));
    }
  }
  return openai_error(404, "Invalid URL (" + in.method + " " + in.path + ")",
                      "invalid_request_error");
}

}  // namespace

Reply route_request(const Inbound& in, const Scenario& scenario, bool faults) {
  Reply r = dispatch(in, scenario, faults);
  if (r.status >= 400 && scenario.retry_after) {
    r.headers.emplace_back("retry-after", std::to_string(*scenario.retry_after));
  }
  if (r.status >= 400 && scenario.reset_ms) {
    // As each provider documents it: OpenAI a Go-style duration ("1.5s",
    // "250ms"), Anthropic an RFC 3339 instant.
    if (in.path == "/v1/messages") {
      const auto at = std::chrono::system_clock::now() + std::chrono::milliseconds(*scenario.reset_ms);
      r.headers.emplace_back("anthropic-ratelimit-requests-reset",
                             fmt::format("{:%Y-%m-%dT%H:%M:%S}Z",
                                         std::chrono::ceil<std::chrono::seconds>(at)));
    } else {
      r.headers.emplace_back("x-ratelimit-reset-requests", std::to_string(*scenario.reset_ms) + "ms");
    }
  }
  return r;
}

}  // namespace sy::emulator
