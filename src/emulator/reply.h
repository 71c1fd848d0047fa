// The emulator's pure request → reply layer. A wire-format handler takes an
// Inbound (a fully read HTTP request) and the request's scenario and returns
// a Reply: either a whole body or a list of stream frames, each frame one
// "chunk" for the scenario's ttft/gap/drop_after timing. Timing, hangs and
// disconnect detection belong to the session, never to handlers.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sy::emulator {

struct Inbound {
  std::string method;
  std::string path;   // without query and without any /_s/<scenario> prefix
  std::string query;  // raw, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  // Value of header `name` (lower-case), or "" when absent.
  std::string_view header(std::string_view name) const;
  // Percent-decoded value of query parameter `name`, or "" when absent.
  std::string query_param(std::string_view name) const;
};

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;                                          // whole body when !streaming
  bool streaming = false;                                    // send frames with chunked encoding
  std::vector<std::string> frames;                           // wire bytes of each stream chunk
};

inline Reply json_reply(int status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace sy::emulator
