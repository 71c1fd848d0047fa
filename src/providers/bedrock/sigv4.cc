#include "providers/bedrock/sigv4.h"

#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace sy::providers::bedrock {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(const unsigned char* p, std::size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

bool unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

// RFC 3986 percent-encoding of every byte but the unreserved ones.
std::string uri_encode(std::string_view s) {
  static constexpr char kUpper[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kUpper[c >> 4];
      out += kUpper[c & 15];
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string uri_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string trim_collapse(std::string_view v) {
  std::string out;
  bool in_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      in_space = true;
      continue;
    }
    if (in_space && !out.empty()) out += ' ';
    in_space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string amz_date(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return to_hex(digest, sizeof digest);
}

std::string canonical_uri(std::string_view wire_path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= wire_path.size()) {
    std::size_t slash = wire_path.find('/', start);
    if (slash == std::string_view::npos) slash = wire_path.size();
    std::string_view seg = wire_path.substr(start, slash - start);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    start = slash + 1;
  }
  const bool trailing_slash =
      !segments.empty() && !wire_path.empty() &&
      (wire_path.back() == '/' || wire_path.substr(wire_path.find_last_of('/') + 1) == "." ||
       wire_path.substr(wire_path.find_last_of('/') + 1) == "..");
  std::string out;
  for (auto seg : segments) {
    out += '/';
    out += uri_encode(seg);
  }
  if (out.empty() || trailing_slash) out += '/';
  return out;
}

std::string canonical_query(std::string_view wire_query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start < wire_query.size()) {
    std::size_t amp = wire_query.find('&', start);
    if (amp == std::string_view::npos) amp = wire_query.size();
    std::string_view item = wire_query.substr(start, amp - start);
    if (!item.empty()) {
      const auto eq = item.find('=');
      std::string_view k = item.substr(0, eq);
      std::string_view v = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
      pairs.emplace_back(uri_encode(uri_decode(k)), uri_encode(uri_decode(v)));
    }
    start = amp + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

SigV4Output sign_v4(const SigV4Input& in, const SigV4Credentials& creds, std::string_view region,
                    std::string_view service, std::string_view date_time) {
  // Canonical headers: lower-case names, trimmed values, sorted, duplicates joined.
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : in.headers) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    headers.emplace_back(std::move(lower), trim_collapse(value));
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical_headers, signed_headers;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      canonical_headers.pop_back();  // the '\n'
      canonical_headers += ',';
      canonical_headers += headers[i].second;
      canonical_headers += '\n';
      continue;
    }
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += headers[i].first;
    canonical_headers += headers[i].first;
    canonical_headers += ':';
    canonical_headers += headers[i].second;
    canonical_headers += '\n';
  }

  SigV4Output out;
  out.signed_headers = signed_headers;
  out.canonical_request.append(in.method);
  out.canonical_request += '\n';
  out.canonical_request += canonical_uri(in.path);
  out.canonical_request += '\n';
  out.canonical_request += canonical_query(in.query);
  out.canonical_request += '\n';
  out.canonical_request += canonical_headers;
  out.canonical_request += '\n';
  out.canonical_request += signed_headers;
  out.canonical_request += '\n';
  out.canonical_request += sha256_hex(in.payload);

  const std::string_view date = date_time.substr(0, 8);
  std::string scope(date);
  scope += '/';
  scope += region;
  scope += '/';
  scope += service;
  scope += "/aws4_request";

  out.string_to_sign = "AWS4-HMAC-SHA256\n";
  out.string_to_sign += date_time;
  out.string_to_sign += '\n';
  out.string_to_sign += scope;
  out.string_to_sign += '\n';
  out.string_to_sign += sha256_hex(out.canonical_request);

  std::string key = "AWS4";
  key += creds.secret_access_key;
  std::string k_date = hmac(key, date);
  std::string k_region = hmac(k_date, region);
  std::string k_service = hmac(k_region, service);
  std::string k_signing = hmac(k_service, "aws4_request");
  const std::string sig = hmac(k_signing, out.string_to_sign);
  out.signature = to_hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());

  out.authorization = "AWS4-HMAC-SHA256 Credential=";
  out.authorization += creds.access_key_id;
  out.authorization += '/';
  out.authorization += scope;
  out.authorization += ", SignedHeaders=";
  out.authorization += signed_headers;
  out.authorization += ", Signature=";
  out.authorization += out.signature;
  return out;
}

}  // namespace sy::providers::bedrock
