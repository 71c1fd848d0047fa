// Incremental Server-Sent Events parser (WHATWG "text/event-stream" rules):
// lines end in \n, \r\n or \r; "data:" lines accumulate (joined by \n);
// "event:" names the event; a blank line dispatches; ":" lines are comments.
// Bytes may arrive split anywhere. Bounded: an event larger than max_event
// bytes is an error, so a broken upstream cannot grow memory without limit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sy::api {

struct SseEvent {
  std::string_view event;  // "" when the stream gave no event name
  std::string_view data;   // valid until the next call to next()
};

class SseParser {
 public:
  explicit SseParser(std::size_t max_event = 4 << 20) : max_event_(max_event) {}

  // Appends bytes to the internal buffer.
  void feed(std::string_view bytes) { buf_.append(bytes); }

  enum class Status { kEvent, kNeedMore, kTooLarge };
  // Extracts the next complete event into `ev`.
  Status next(SseEvent& ev);

  // Bytes buffered but not yet part of a dispatched event.
  std::size_t pending() const { return buf_.size() - pos_; }

 private:
  std::string buf_;
  std::size_t pos_ = 0;       // parse position in buf_
  std::string data_;          // data of the event being built
  std::string event_;         // name of the event being built
  bool has_data_ = false;
  std::string out_data_, out_event_;  // last dispatched event
  std::size_t max_event_;
};

// Appends "data: <payload>\n\n" to out.
void append_sse_data(std::string& out, std::string_view payload);

}  // namespace sy::api
