#include "emulator/faults.h"

#include <algorithm>

namespace sy::emulator {

void make_malformed(Reply& reply) {
  if (!reply.streaming) {
    reply.body.resize(reply.body.size() / 2);
    return;
  }
  std::size_t at = std::min<std::size_t>(2, reply.frames.size());
  std::string broken = at < reply.frames.size() ? reply.frames[at] : reply.frames.back();
  // Cut inside the JSON payload, then end the event so the parser dispatches it.
  std::size_t brace = broken.find('{');
  std::size_t cut =
      brace == std::string::npos ? broken.size() / 2 : brace + (broken.size() - brace) / 2;
  broken.resize(cut);
  broken += "\n\n";
  reply.frames.insert(reply.frames.begin() + static_cast<std::ptrdiff_t>(at), std::move(broken));
}

void replace_tail_with_error(Reply& reply, int n, std::string error_frame) {
  if (static_cast<std::size_t>(n) < reply.frames.size()) reply.frames.resize(n);
  reply.frames.push_back(std::move(error_frame));
}

std::string sse_data(std::string_view json) {
  std::string out;
  out.reserve(json.size() + 8);
  out += "data: ";
  out += json;
  out += "\n\n";
  return out;
}

std::string sse_event(std::string_view name, std::string_view json) {
  std::string out;
  out.reserve(json.size() + name.size() + 16);
  out += "event: ";
  out += name;
  out += "\ndata: ";
  out += json;
  out += "\n\n";
  return out;
}

std::string_view status_reason(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 529:
      return "Overloaded";
    default:
      return status >= 500 ? "Server Error" : "Client Error";
  }
}

}  // namespace sy::emulator
