#include "telemetry/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <stdexcept>

#include "telemetry/sanitize.h"
#include "telemetry/utf8.h"
#include "util/thread_priority.h"

namespace sy::telemetry {

namespace {

// Bytes that go into a JSON string unchanged: printable ASCII but '"' and '\\'.
constexpr std::array<bool, 256> kPlainJsonByte = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}();

void append_json_string(std::string& out, std::string_view raw) {
  std::string redacted;
  if (contains_secret(raw)) {
    redacted = redact_secrets(raw);
    raw = redacted;
  }
  out.push_back('"');
  // Plain printable ASCII (ids, model names, hex) is copied as it is; the
  // character walk starts at the first byte that needs escaping or is not ASCII.
  std::size_t plain = 0;
  while (plain < raw.size() && kPlainJsonByte[static_cast<unsigned char>(raw[plain])]) ++plain;
  out.append(raw.data(), plain);
  raw.remove_prefix(plain);
  for_each_utf8_char(raw, [&out](std::string_view ch) {
    unsigned char c = static_cast<unsigned char>(ch[0]);
    if (ch.size() > 1 || (c >= 0x20 && c != '"' && c != '\\')) {
      out += ch;
      return;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
      }
    }
  });
  out.push_back('"');
}

// `,"k":` in one append. Every member but the first ("time", which the
// caller writes) follows another.
void key(std::string& out, std::string_view k) {
  char buf[64];
  if (k.size() > sizeof buf - 4) {
    out += ",\"";
    out += k;
    out += "\":";
    return;
  }
  buf[0] = ',';
  buf[1] = '"';
  std::memcpy(buf + 2, k.data(), k.size());
  buf[k.size() + 2] = '"';
  buf[k.size() + 3] = ':';
  out.append(buf, k.size() + 4);
}

void field(std::string& out, std::string_view k, std::string_view v) {
  key(out, k);
  append_json_string(out, v);
}

void field(std::string& out, std::string_view k, int64_t v) {
  key(out, k);
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// |v|, also for the most negative value.
unsigned long long magnitude(long long v) {
  return v < 0 ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
}

// Milliseconds with microsecond precision ("123.457"); null when absent
// (< 0) or not finite. Integer digits: to_chars' fixed mode costs several
// times more, and a latency never needs more than 15 significant digits.
void field_ms(std::string& out, std::string_view k, double v, bool absent_when_negative) {
  key(out, k);
  if (!std::isfinite(v) || (absent_when_negative && v < 0)) {
    out += "null";
    return;
  }
  constexpr double kMaxExactMs = 1e12;  // microseconds stay below 2^63
  char buf[64];
  if (std::fabs(v) >= kMaxExactMs) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 3);
    out.append(buf, end);
    return;
  }
  const long long micros = std::llround(v * 1000.0);
  const unsigned long long size = magnitude(micros);
  char* p = buf;
  if (micros < 0) *p++ = '-';
  p = std::to_chars(p, buf + sizeof buf, size / 1000).ptr;
  const auto frac = static_cast<unsigned>(size % 1000);
  p[0] = '.';
  p[1] = static_cast<char>('0' + frac / 100);
  p[2] = static_cast<char>('0' + frac / 10 % 10);
  p[3] = static_cast<char>('0' + frac % 10);
  out.append(buf, p + 4);
}

// Dollars. Costs are whole micro-dollars, so the usual value is written as
// an exact decimal with up to six places from integer digits ("0.00042");
// anything else takes to_chars' shortest form.
void field_dollars(std::string& out, std::string_view k, double v) {
  key(out, k);
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[64];
  constexpr double kMaxExactDollars = 1e9;  // micro-dollars stay far below 2^53
  const long long micros = std::fabs(v) < kMaxExactDollars ? std::llround(v * 1e6) : 0;
  if (micros == 0 || static_cast<double>(micros) / 1e6 != v) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
    return;
  }
  const unsigned long long size = magnitude(micros);
  char* p = buf;
  if (micros < 0) *p++ = '-';
  p = std::to_chars(p, buf + sizeof buf, size / 1'000'000).ptr;
  unsigned long long frac = size % 1'000'000;
  if (frac != 0) {
    int digits = 6;
    while (frac % 10 == 0) {
      frac /= 10;
      --digits;
    }
    *p++ = '.';
    for (int d = digits - 1; d >= 0; --d, frac /= 10) p[d] = static_cast<char>('0' + frac % 10);
    p += digits;
  }
  out.append(buf, p);
}

std::string_view cut_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::size_t round_up_pow2(std::size_t n) {
  std::size_t p = 2;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

void append_rfc3339_ms(std::string& out, std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) {
    millis += 1000;
    --secs;
  }
  // "YYYY-MM-DDTHH:MM:SS" of the last second seen on this thread: a busy
  // worker formats many lines per second, and gmtime_r is most of the cost.
  struct SecondCache {
    std::time_t secs = std::numeric_limits<std::time_t>::min();
    char text[19];
  };
  thread_local SecondCache cache;
  if (secs != cache.secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    // Years outside 0..9999 fall back to snprintf (and are not cached).
    const int year = tm.tm_year + 1900;
    if (year < 0 || year > 9999) {
      char buf[80];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, tm.tm_mon + 1,
                    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
      out += buf;
      return;
    }
    char* p = cache.text;
    auto put = [p](std::size_t at, int value, int digits) {
      for (int d = digits - 1; d >= 0; --d, value /= 10) {
        p[at + d] = static_cast<char>('0' + value % 10);
      }
    };
    put(0, year, 4);
    p[4] = '-';
    put(5, tm.tm_mon + 1, 2);
    p[7] = '-';
    put(8, tm.tm_mday, 2);
    p[10] = 'T';
    put(11, tm.tm_hour, 2);
    p[13] = ':';
    put(14, tm.tm_min, 2);
    p[16] = ':';
    put(17, tm.tm_sec, 2);
    cache.secs = secs;
  }
  const char tail[5] = {'.', static_cast<char>('0' + millis / 100),
                        static_cast<char>('0' + millis / 10 % 10),
                        static_cast<char>('0' + millis % 10), 'Z'};
  out.append(cache.text, sizeof cache.text);
  out.append(tail, sizeof tail);
}

std::string format_rfc3339_ms(std::chrono::system_clock::time_point t) {
  std::string out;
  append_rfc3339_ms(out, t);
  return out;
}

std::string format_access_line(const RequestSummary& r, const AccessLogFormat& format) {
  std::string out;
  out.reserve(512);
  out += "{\"time\":\"";  // digits and punctuation only: no escaping needed
  append_rfc3339_ms(out, r.received_at);
  out.push_back('"');
  field(out, "request_id", r.request_id);
  field(out, "key_id", r.key_id);
  field(out, "model", r.model);
  field(out, "provider", r.provider);
  field(out, "deployment", r.deployment);
  field(out, "upstream_model", r.upstream_model);
  field(out, "status", static_cast<int64_t>(r.status));
  field(out, "error_class", r.error_class);
  key(out, "stream");
  out += r.stream ? "true" : "false";
  field(out, "prompt_tokens", r.prompt_tokens);
  field(out, "completion_tokens", r.completion_tokens);
  field(out, "cached_tokens", r.cached_tokens);
  field_dollars(out, "cost_usd", r.cost_usd);
  field_ms(out, "latency_ms", r.latency_ms, false);
  field_ms(out, "ttft_ms", r.ttft_ms, true);
  field_ms(out, "upstream_ms", r.upstream_ms, true);
  field(out, "attempts", static_cast<int64_t>(r.attempts));
  field(out, "trace_id", r.trace_id);
  if (format.include_text) {
    field(out, "prompt", cut_utf8(r.prompt_text, format.max_text_bytes));
    field(out, "completion", cut_utf8(r.completion_text, format.max_text_bytes));
  }
  out += "}\n";
  return out;
}

AccessLogWriter::AccessLogWriter(AccessLogOptions options) {
  std::size_t capacity = round_up_pow2(options.queue_capacity);
  cells_ = std::make_unique<Cell[]>(capacity);
  for (std::size_t i = 0; i < capacity; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
  mask_ = capacity - 1;
  if (options.path.empty() || options.path == "-") {
    fd_ = STDOUT_FILENO;
  } else {
    fd_ = ::open(options.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0) {
      throw std::runtime_error("access log: cannot open " + options.path + ": " +
                               std::strerror(errno));
    }
    owns_fd_ = true;
  }
  idle_writer_ = std::thread([this, idle = options.idle_priority_writer] {
    util::name_current_thread("sy-accesslog-idl");
    if (idle) util::run_current_thread_at_idle_priority();
    run_idle_writer();
  });
  catch_up_writer_ = std::thread([this] {
    util::name_current_thread("sy-accesslog");
    run_catch_up_writer();
  });
}

AccessLogWriter::~AccessLogWriter() {
  stop();
  if (owns_fd_) ::close(fd_);
}

bool AccessLogWriter::try_push(std::string& line) {
  std::size_t pos = enqueue_pos_.load(std::memory_order_relaxed);
  for (;;) {
    Cell& cell = cells_[pos & mask_];
    std::size_t seq = cell.sequence.load(std::memory_order_acquire);
    auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos);
    if (diff == 0) {
      if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
        cell.line = std::move(line);
        cell.sequence.store(pos + 1, std::memory_order_release);
        return true;
      }
    } else if (diff < 0) {
      return false;  // full
    } else {
      pos = enqueue_pos_.load(std::memory_order_relaxed);
    }
  }
}

bool AccessLogWriter::try_pop(std::string& line) {
  std::size_t pos = dequeue_pos_.load(std::memory_order_relaxed);
  for (;;) {
    Cell& cell = cells_[pos & mask_];
    std::size_t seq = cell.sequence.load(std::memory_order_acquire);
    auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos + 1);
    if (diff == 0) {
      if (dequeue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
        line = std::move(cell.line);
        cell.line = std::string();
        cell.sequence.store(pos + mask_ + 1, std::memory_order_release);
        return true;
      }
    } else if (diff < 0) {
      return false;  // empty
    } else {
      pos = dequeue_pos_.load(std::memory_order_relaxed);
    }
  }
}

bool AccessLogWriter::submit(std::string line) {
  if (stopping_.load(std::memory_order_relaxed) || !try_push(line)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void AccessLogWriter::write_batch(const std::string& batch) {
  std::size_t off = 0;
  while (off < batch.size()) {
    ssize_t n = ::write(fd_, batch.data() + off, batch.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      write_errors_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    off += static_cast<std::size_t>(n);
  }
}

std::size_t AccessLogWriter::write_some(std::size_t max_bytes) {
  // One consumer at a time, so lines keep their order and batches never mix.
  std::lock_guard writing(write_mutex_);
  std::size_t lines = 0;
  while (batch_.size() < max_bytes && try_pop(line_)) {
    batch_ += line_;
    ++lines;
  }
  if (!batch_.empty()) {
    write_batch(batch_);
    written_.fetch_add(lines, std::memory_order_relaxed);
    batch_.clear();
  }
  return lines;
}

std::size_t AccessLogWriter::queued() const {
  return enqueue_pos_.load(std::memory_order_relaxed) -
         dequeue_pos_.load(std::memory_order_relaxed);
}

void AccessLogWriter::run_idle_writer() {
  for (;;) {
    bool stopping = stopping_.load(std::memory_order_acquire);
    // Small batches: the catch-up writer may be waiting for write_mutex_
    // behind this thread, which a busy core hardly runs.
    if (write_some(16 << 10) > 0) continue;  // more may be queued
    if (stopping) break;             // queue drained after the stop flag was seen
    std::unique_lock lock(wake_mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(5),
                   [this] { return stopping_.load(std::memory_order_relaxed); });
  }
}

void AccessLogWriter::run_catch_up_writer() {
  for (;;) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(20),
                     [this] { return stopping_.load(std::memory_order_relaxed); });
    }
    const bool stopping = stopping_.load(std::memory_order_acquire);
    // A quarter full: the idle-priority writer is not getting the CPU.
    if (stopping || queued() >= (mask_ + 1) / 4) {
      while (write_some(64 << 10) > 0) {
      }
    }
    if (stopping) break;
  }
}

void AccessLogWriter::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  if (catch_up_writer_.joinable()) catch_up_writer_.join();
  if (idle_writer_.joinable()) idle_writer_.join();
  // A producer that saw the flag clear just before it was set may have queued
  // a line after the thread's last pass: write it here (single consumer now).
  std::string line;
  while (try_pop(line)) {
    write_batch(line);
    written_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace sy::telemetry
