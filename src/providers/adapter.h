// ProviderAdapter: one implementation per upstream wire format
// (providers/openai, providers/anthropic, providers/gemini, providers/bedrock,
// providers/azure). An adapter translates an OpenAI-format request into its
// provider's HTTP request, the provider's answer back into OpenAI's shapes,
// and classifies the provider's errors once, so the router decides from the
// ErrorClass alone.
//
// Adapters are stateless and immutable after construction: one instance per
// wire format serves every worker thread concurrently. They never do I/O.
// A StreamTranscoder is per response and single-threaded.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/error.h"
#include "api/request.h"
#include "api/usage.h"
#include "upstream/http_request.h"
#include "upstream/url.h"
#include "util/expected.h"

namespace sy::providers {

using Headers = std::vector<std::pair<std::string, std::string>>;

// How the provider is reached, resolved from config and the catalog.
struct ProviderSettings {
  std::string name;          // config key, e.g. "openai", shown to clients
  std::string type;          // wire format: openai | anthropic | gemini | azure | bedrock
  upstream::Url base;        // e.g. https://api.openai.com/v1
  std::string api_key;       // secret; never logged
  Headers headers;           // extra headers sent on every request
  std::string api_version;   // azure api-version, anthropic-version
  // AWS Bedrock (SigV4).
  std::string region;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
};

// Parameter adjustments a model needs (catalog quirks), decided by the
// server from the request: renamed and dropped top-level parameters, and
// system messages folded into the first user message.
struct ParamQuirks {
  std::vector<std::pair<std::string, std::string>> renames;
  std::vector<std::string> drops;
  bool fold_system = false;
  bool empty() const { return renames.empty() && drops.empty() && !fold_system; }
};

// What one attempt sends: the deployment's provider and model name.
struct Target {
  const ProviderSettings* provider = nullptr;
  std::string_view model;          // name at the provider
  int64_t default_max_tokens = 0;  // catalog max output, for formats that require one
  const ParamQuirks* quirks = nullptr;  // null or empty: send the request as it is
};

// method, target (absolute path and query), headers (auth and content-type
// included; not Host/Content-Length) and body.
using UpstreamRequest = upstream::HttpRequest;

// Failure classes, decided once by the adapter that understands the provider.
enum class ErrorClass {
  kNone,           // success
  kClientError,    // 400/404/422: the request is wrong; never retried
  kAuth,           // 401/403 at the provider: our key is wrong; not retried
  kContextLength,  // prompt does not fit: context_window_fallbacks may apply
  kContentPolicy,  // refused by a safety filter: content_policy_fallbacks may apply
  kRateLimited,    // 429: retry elsewhere or after Retry-After
  kOverloaded,     // 529 / 503 overloaded: retry
  kServerError,    // 5xx: retry
  kTransport,      // connect/reset/EOF before a response: retry
  kTimeout,        // no answer in time: retry
};
bool retryable(ErrorClass c);
std::string_view to_string(ErrorClass c);

struct UpstreamError {
  ErrorClass cls = ErrorClass::kServerError;
  api::ApiError error;  // what the client sees, in OpenAI's shape
};

// A complete, non-streamed success answer in OpenAI's shape.
struct DecodedResponse {
  std::string body;  // OpenAI JSON for the request's endpoint
  api::Usage usage;
};

// Turns a provider's streamed body into OpenAI SSE events.
class StreamTranscoder {
 public:
  virtual ~StreamTranscoder() = default;
  // Consumes the next piece of the upstream body (pieces split anywhere) and
  // appends complete OpenAI SSE events ("data: {...}\n\n") to `out`.
  // Returns an UpstreamError if the upstream sent an error event or bytes that
  // cannot be decoded; the caller then ends the client stream with an error.
  virtual Expected<std::monostate, UpstreamError> feed(std::string_view bytes, std::string& out) = 0;
  // The upstream body ended. Appends closing events (e.g. "data: [DONE]\n\n").
  // Returns an error if the stream ended before its terminal event.
  virtual Expected<std::monostate, UpstreamError> finish(std::string& out) = 0;
  // Usage seen so far (known once the provider reported it).
  virtual const api::Usage& usage() const = 0;
  // True once at least one event was appended to an `out` (first byte sent).
  virtual bool started() const = 0;
};

class ProviderAdapter {
 public:
  virtual ~ProviderAdapter() = default;
  // The HTTP request for `req` at `target`. Errors (e.g. an endpoint the
  // format cannot serve, a parameter the model rejects) are client errors.
  virtual Expected<UpstreamRequest, api::ApiError> encode(const api::Request& req,
                                                          const Target& target) const = 0;
  // A 2xx non-streamed body → OpenAI's shape and usage. Takes the body: a
  // pass-through adapter hands it on without a copy.
  virtual Expected<DecodedResponse, UpstreamError> decode(const api::Request& req,
                                                          std::string body) const = 0;
  // A transcoder for a streamed 2xx response to `req`.
  virtual std::unique_ptr<StreamTranscoder> transcoder(const api::Request& req) const = 0;
  // A non-2xx answer → class and client-facing error.
  virtual UpstreamError classify(int status, std::string_view body) const = 0;
};

// The adapter for wire format `type`, or nullptr if unknown. Static lifetime.
const ProviderAdapter* adapter_for(std::string_view type);

}  // namespace sy::providers
