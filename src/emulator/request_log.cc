#include "emulator/request_log.h"

#include "emulator/json_writer.h"

namespace sy::emulator {

uint64_t RequestLog::add(RequestRecord r) {
  if (r.body.size() > kMaxBodyBytes) {
    r.body.resize(kMaxBodyBytes);
    r.body_truncated = true;
  }
  std::lock_guard lock(mu_);
  r.id = next_id_++;
  body_bytes_ += r.body.size();
  records_.push_back(std::move(r));
  while (records_.size() > kMaxRecords ||
         (body_bytes_ > kMaxTotalBodyBytes && records_.size() > 1)) {
    body_bytes_ -= records_.front().body.size();
    records_.pop_front();
  }
  return records_.back().id;
}

RequestRecord* RequestLog::find(uint64_t id) {
  if (records_.empty() || id < records_.front().id) return nullptr;
  std::size_t index = id - records_.front().id;
  return index < records_.size() ? &records_[index] : nullptr;
}

void RequestLog::set_status(uint64_t id, int status) {
  std::lock_guard lock(mu_);
  if (auto* r = find(id)) r->status = status;
}

void RequestLog::mark_completed(uint64_t id) {
  std::lock_guard lock(mu_);
  if (auto* r = find(id); r && !r->cancelled) r->completed = true;
}

void RequestLog::mark_cancelled(uint64_t id) {
  std::lock_guard lock(mu_);
  if (auto* r = find(id); r && !r->completed) r->cancelled = true;
}

void RequestLog::clear() {
  std::lock_guard lock(mu_);
  records_.clear();
  body_bytes_ = 0;
}

std::vector<RequestRecord> RequestLog::snapshot() const {
  std::lock_guard lock(mu_);
  return {records_.begin(), records_.end()};
}

std::string RequestLog::to_json() const {
  JsonWriter w;
  w.begin_object().key("requests").begin_array();
  std::lock_guard lock(mu_);
  for (const auto& r : records_) {
    w.begin_object()
        .member("id", static_cast<int64_t>(r.id))
        .member("conn", static_cast<int64_t>(r.conn))
        .member("method", r.method)
        .member("path", r.path)
        .member("query", r.query);
    w.key("headers").begin_object();
    for (const auto& [name, value] : r.headers) w.member(name, value);
    w.end_object();
    w.member("body", r.body)
        .member("body_truncated", r.body_truncated)
        .member("scenario", r.scenario)
        .member("start_ms", r.start_ms)
        .member("status", r.status)
        .member("completed", r.completed)
        .member("cancelled", r.cancelled)
        .end_object();
  }
  w.end_array().end_object();
  return w.take();
}

}  // namespace sy::emulator
