// AWS Signature Version 4 (header-based) for non-S3 services such as
// bedrock-runtime. Pure functions: the timestamp is passed in (no clock is
// read here), nothing is logged, and the secret never appears in any output.
// Thread-safe.
//
// Canonical URI: the path as sent on the wire (already percent-encoded) is
// normalized (empty, "." and ".." segments removed) and every segment is
// URI-encoded once more, as AWS requires for every service but S3 — so a
// model id "a:b" sent as "a%3Ab" is signed as "a%253Ab".
// Canonical query: pairs decoded, re-encoded per RFC 3986, sorted by name then
// value. Headers: names lower-cased, values trimmed with inner runs of spaces
// collapsed, sorted; repeated names joined with ','. Every header passed in
// is signed, so pass only the ones to sign.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sy::providers::bedrock {

struct SigV4Credentials {
  std::string_view access_key_id;
  std::string_view secret_access_key;
  std::string_view session_token;  // empty unless temporary credentials
};

struct SigV4Input {
  std::string_view method;  // "POST"
  std::string_view path;    // wire path, percent-encoded, e.g. "/model/a%3Ab/converse"
  std::string_view query;   // wire query without '?', may be empty
  // Headers to sign, including host and x-amz-date (and x-amz-security-token
  // when a session token is used). Names in any case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view payload;
};

struct SigV4Output {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // lowercase hex
  std::string signed_headers;  // "host;x-amz-date"
  std::string authorization;   // the Authorization header value
};

// "YYYYMMDDTHHMMSSZ" (UTC) for `t`.
std::string amz_date(std::chrono::system_clock::time_point t);

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// Signs `in`. `date_time` is the x-amz-date value ("20150830T123600Z"); its
// first 8 characters form the credential scope date.
SigV4Output sign_v4(const SigV4Input& in, const SigV4Credentials& creds, std::string_view region,
                    std::string_view service, std::string_view date_time);

// The canonical URI for a wire path (exposed for tests).
std::string canonical_uri(std::string_view wire_path);
// The canonical query string for a wire query (exposed for tests).
std::string canonical_query(std::string_view wire_query);

}  // namespace sy::providers::bedrock
