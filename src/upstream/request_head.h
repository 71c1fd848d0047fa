// The HTTP/1.1 request head an Exchange sends upstream, built as one string
// so the request goes out as two buffers (head, body) without Beast's
// per-field allocations and serializer.
//
// The bytes equal what Beast's http::request<string_body> serializer writes
// for the same message (Host, User-Agent: switchyard, the request's headers in
// order, then Content-Length from prepare_payload()). That equivalence is
// only guaranteed on the common path, so serialize_head() returns nullopt —
// and the caller uses Beast — when the method is not POST, a header named
// Content-Length / Transfer-Encoding would make prepare_payload() rewrite
// fields, or a header name repeats (Host and User-Agent included: Beast groups
// repeated names, which changes the order). Pure function; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "upstream/http_request.h"

namespace sy::upstream {

std::optional<std::string> serialize_head(const HttpRequest& req, std::string_view host_header);

}  // namespace sy::upstream
