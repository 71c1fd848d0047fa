#include "api/sse.h"

namespace sy::api {

void append_sse_data(std::string& out, std::string_view payload) {
  out += "data: ";
  out += payload;
  out += "\n\n";
}

SseParser::Status SseParser::next(SseEvent& ev) {
  for (;;) {
    // Find the end of the next line.
    std::size_t eol = pos_;
    while (eol < buf_.size() && buf_[eol] != '\n' && buf_[eol] != '\r') ++eol;
    if (eol == buf_.size()) {
      // A lone \r at the end might be followed by \n: wait for more.
      if (buf_.size() - pos_ + data_.size() > max_event_) return Status::kTooLarge;
      if (pos_ > 0 && pos_ == buf_.size()) {
        buf_.clear();
        pos_ = 0;
      } else if (pos_ > (1 << 16)) {
        buf_.erase(0, pos_);
        pos_ = 0;
      }
      return Status::kNeedMore;
    }
    std::size_t next = eol + 1;
    if (buf_[eol] == '\r') {
      if (eol + 1 == buf_.size()) return Status::kNeedMore;  // maybe \r\n split
      if (buf_[eol + 1] == '\n') next = eol + 2;
    }
    std::string_view line(buf_.data() + pos_, eol - pos_);
    pos_ = next;

    if (line.empty()) {
      if (!has_data_) {
        event_.clear();
        continue;
      }
      out_data_.swap(data_);
      out_event_.swap(event_);
      data_.clear();
      event_.clear();
      has_data_ = false;
      ev.data = out_data_;
      ev.event = out_event_;
      return Status::kEvent;
    }
    if (line.front() == ':') continue;
    std::string_view field = line, value;
    if (auto colon = line.find(':'); colon != std::string_view::npos) {
      field = line.substr(0, colon);
      value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
      if (has_data_) data_ += '\n';
      data_ += value;
      has_data_ = true;
      if (data_.size() > max_event_) return Status::kTooLarge;
    } else if (field == "event") {
      event_.assign(value);
    }
  }
}

}  // namespace sy::api
