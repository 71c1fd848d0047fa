#include "providers/azure/adapter.h"

#include <cctype>

#include "api/rewrite.h"

namespace sy::providers::azure {
namespace {

std::string encode_segment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
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

Expected<UpstreamRequest, api::ApiError> AzureAdapter::encode(const api::Request& req,
                                                              const Target& target) const {
  if (req.endpoint() == api::Endpoint::kMessages) {
    return unexpected(
        api::invalid_request("The Azure OpenAI format cannot serve /v1/messages directly."));
  }
  const ProviderSettings& p = *target.provider;
  UpstreamRequest out;
  out.target = p.base.base_path;
  out.target += "/openai/deployments/";
  out.target += encode_segment(target.model);
  out.target += api::endpoint_path(req.endpoint());
  out.target += "?api-version=";
  out.target += encode_segment(p.api_version.empty() ? kDefaultApiVersion : p.api_version);
  add_common_headers(out, p, "api-key", "");
  const bool wants_usage = req.stream() && req.endpoint() != api::Endpoint::kEmbeddings;
  out.body = api::rewrite_body(req, {target.model, wants_usage});
  return out;
}

UpstreamError AzureAdapter::classify(int status, std::string_view body) const {
  UpstreamError out = openai::classify_openai_error(status, body, "azure");
  // Azure reports prompt and completion filtering as 400 with code
  // "content_filter" (innererror.code "ResponsibleAIPolicyViolation").
  if (status == 400 && (out.error.code == "content_filter" ||
                        body.find("ResponsibleAIPolicyViolation") != std::string_view::npos)) {
    out.cls = ErrorClass::kContentPolicy;
  }
  return out;
}

}  // namespace sy::providers::azure
