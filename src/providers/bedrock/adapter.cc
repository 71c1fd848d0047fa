#include "providers/bedrock/adapter.h"

#include <cctype>

#include "providers/bedrock/errors.h"
#include "providers/bedrock/request.h"
#include "providers/bedrock/response.h"
#include "providers/bedrock/sigv4.h"
#include "providers/bedrock/stream.h"

namespace sy::providers::bedrock {
namespace {

std::string encode_path_segment(std::string_view s) {
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

std::string_view region_from_host(std::string_view host) {
  for (std::string_view prefix : {"bedrock-runtime-fips.", "bedrock-runtime."}) {
    if (host.substr(0, prefix.size()) == prefix) {
      std::string_view rest = host.substr(prefix.size());
      return rest.substr(0, rest.find('.'));
    }
  }
  return {};
}

Expected<UpstreamRequest, api::ApiError> BedrockAdapter::encode(const api::Request& req,
                                                                const Target& target) const {
  const ProviderSettings& p = *target.provider;
  auto body = encode_converse(req, target.default_max_tokens);
  if (!body) return unexpected(std::move(body.error()));

  UpstreamRequest out;
  out.target = p.base.base_path;
  out.target += "/model/";
  out.target += encode_path_segment(target.model);
  out.target += req.stream() ? "/converse-stream" : "/converse";
  out.body = std::move(*body);

  const std::string accept =
      req.stream() ? "application/vnd.amazon.eventstream" : "application/json";
  if (p.access_key_id.empty()) {
    if (p.api_key.empty()) {
      return unexpected(api::internal_error("The Bedrock provider has no AWS credentials."));
    }
    out.headers.emplace_back("content-type", "application/json");
    out.headers.emplace_back("accept", accept);
    out.headers.emplace_back("authorization", "Bearer " + p.api_key);
  } else {
    std::string region = p.region;
    if (region.empty()) region = std::string(region_from_host(p.base.host));
    if (region.empty()) {
      return unexpected(api::internal_error("The Bedrock provider has no AWS region."));
    }
    const std::string date = amz_date(clock_());
    SigV4Input in;
    in.method = out.method;
    in.path = out.target;
    in.payload = out.body;
    in.headers = {
        {"content-type", "application/json"}, {"host", p.base.host_header}, {"x-amz-date", date}};
    if (!p.session_token.empty()) in.headers.emplace_back("x-amz-security-token", p.session_token);
    const SigV4Output sig = sign_v4(in, {p.access_key_id, p.secret_access_key, p.session_token},
                                    region, "bedrock", date);
    for (auto& h : in.headers) {
      if (h.first != "host") out.headers.push_back(std::move(h));
    }
    out.headers.emplace_back("accept", accept);
    out.headers.emplace_back("authorization", sig.authorization);
  }
  for (const auto& h : p.headers) out.headers.push_back(h);
  return out;
}

Expected<DecodedResponse, UpstreamError> BedrockAdapter::decode(const api::Request& req,
                                                                std::string body) const {
  return decode_converse(body, req.model(), *ids_);
}

std::unique_ptr<StreamTranscoder> BedrockAdapter::transcoder(const api::Request& req) const {
  return std::make_unique<BedrockStreamTranscoder>(std::string(req.model()), req.include_usage(),
                                                   ids_);
}

UpstreamError BedrockAdapter::classify(int status, std::string_view body) const {
  return classify_bedrock_error(status, body);
}

}  // namespace sy::providers::bedrock
