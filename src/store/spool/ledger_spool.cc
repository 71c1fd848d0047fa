#include "store/spool/ledger_spool.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/spool/crc32.h"

namespace sy::store::spool {
namespace {

constexpr size_t kHeaderBytes = 8;

StoreError io_error(std::string_view what, const std::string &path) {
  return {StoreError::Code::kUnavailable,
          fmt::format("spool {} {}: {}", what, path, std::strerror(errno))};
}

void put_u32(std::string &out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_i64(std::string &out, int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((u >> (8 * i)) & 0xFF));
}
void put_str(std::string &out, const std::string &s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

uint32_t get_u32(const char *p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

// Bounded reader over a payload: every get checks what is left.
class Reader {
public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool u32(uint32_t &v) {
    if (in_.size() < 4)
      return false;
    v = get_u32(in_.data());
    in_.remove_prefix(4);
    return true;
  }
  bool i64(int64_t &v) {
    if (in_.size() < 8)
      return false;
    uint64_t u = 0;
    for (int i = 0; i < 8; ++i)
      u |= static_cast<uint64_t>(static_cast<unsigned char>(in_[i])) << (8 * i);
    v = static_cast<int64_t>(u);
    in_.remove_prefix(8);
    return true;
  }
  bool i32(int &v) {
    int64_t w = 0;
    if (!i64(w))
      return false;
    v = static_cast<int>(w);
    return true;
  }
  bool str(std::string &s) {
    uint32_t n = 0;
    if (!u32(n) || in_.size() < n)
      return false;
    s.assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

private:
  std::string_view in_;
};

bool write_all(int fd, const std::string &bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

bool read_exact(int fd, uint64_t offset, char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    const ssize_t r =
        ::pread(fd, buf + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

// Walks the valid records of `fd`, calling `on_payload` for each; returns
// the length of the valid prefix.
template <class F> uint64_t scan(int fd, uint64_t file_size, F &&on_payload) {
  uint64_t offset = 0;
  std::string payload;
  while (file_size - offset >= kHeaderBytes) {
    char header[kHeaderBytes];
    if (!read_exact(fd, offset, header, kHeaderBytes))
      break;
    const uint32_t length = get_u32(header);
    const uint32_t crc = get_u32(header + 4);
    if (length > kMaxRecordBytes || file_size - offset - kHeaderBytes < length)
      break;
    payload.resize(length);
    if (!read_exact(fd, offset + kHeaderBytes, payload.data(), length))
      break;
    if (crc32(payload) != crc)
      break;
    if (!on_payload(std::string_view(payload)))
      break;
    offset += kHeaderBytes + length;
  }
  return offset;
}

} // namespace

std::string encode_batch(const std::vector<LedgerRow> &rows, size_t begin,
                         size_t end) {
  std::string out;
  put_u32(out, static_cast<uint32_t>(end - begin));
  for (size_t i = begin; i < end; ++i) {
    const LedgerRow &r = rows[i];
    put_i64(out, r.time_ms);
    put_str(out, r.request_id);
    put_str(out, r.key_id);
    put_str(out, r.requested_model);
    put_str(out, r.policy);
    put_str(out, r.provider);
    put_str(out, r.upstream_model);
    put_i64(out, r.status);
    put_str(out, r.error_class);
    put_i64(out, r.prompt_tokens);
    put_i64(out, r.completion_tokens);
    put_i64(out, r.cached_tokens);
    put_i64(out, r.reasoning_tokens);
    put_i64(out, r.cost);
    put_i64(out, r.latency_ms);
    put_i64(out, r.ttft_ms);
    put_i64(out, r.attempts);
  }
  return out;
}

bool decode_batch(std::string_view payload, std::vector<LedgerRow> &out) {
  Reader in(payload);
  uint32_t count = 0;
  if (!in.u32(count))
    return false;
  std::vector<LedgerRow> rows;
  for (uint32_t i = 0; i < count; ++i) {
    LedgerRow r;
    if (!in.i64(r.time_ms) || !in.str(r.request_id) || !in.str(r.key_id) ||
        !in.str(r.requested_model) || !in.str(r.policy) ||
        !in.str(r.provider) || !in.str(r.upstream_model) || !in.i32(r.status) ||
        !in.str(r.error_class) || !in.i64(r.prompt_tokens) ||
        !in.i64(r.completion_tokens) || !in.i64(r.cached_tokens) ||
        !in.i64(r.reasoning_tokens) || !in.i64(r.cost) ||
        !in.i64(r.latency_ms) || !in.i64(r.ttft_ms) || !in.i32(r.attempts)) {
      return false;
    }
    rows.push_back(std::move(r));
  }
  if (!in.done())
    return false;
  for (auto &r : rows)
    out.push_back(std::move(r));
  return true;
}

Expected<std::unique_ptr<LedgerSpool>, StoreError>
LedgerSpool::open(const std::string &path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return unexpected(io_error("open", path));
  std::unique_ptr<LedgerSpool> spool(new LedgerSpool(path, fd));
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return unexpected(io_error("stat", path));
  const auto file_size = static_cast<uint64_t>(st.st_size);
  uint64_t rows = 0;
  std::vector<LedgerRow> scratch;
  const uint64_t valid = scan(fd, file_size, [&](std::string_view payload) {
    scratch.clear();
    if (!decode_batch(payload, scratch))
      return false;
    rows += scratch.size();
    return true;
  });
  if (valid < file_size) {
    if (::ftruncate(fd, static_cast<off_t>(valid)) != 0 || ::fsync(fd) != 0) {
      return unexpected(io_error("truncate torn tail", path));
    }
    spool->dropped_tail_bytes_ = file_size - valid;
  }
  spool->size_ = valid;
  spool->pending_rows_ = rows;
  return spool;
}

LedgerSpool::~LedgerSpool() {
  if (fd_ >= 0)
    ::close(fd_);
}

Expected<bool, StoreError>
LedgerSpool::append_record(const std::vector<LedgerRow> &rows, size_t begin,
                           size_t end) {
  const std::string payload = encode_batch(rows, begin, end);
  if (payload.size() > kMaxRecordBytes) {
    if (end - begin == 1)
      return unexpected(
          StoreError{StoreError::Code::kInvalid, "row too large"});
    const size_t mid = begin + (end - begin) / 2;
    if (auto r = append_record(rows, begin, mid); !r)
      return r;
    return append_record(rows, mid, end);
  }
  std::string record;
  record.reserve(kHeaderBytes + payload.size());
  put_u32(record, static_cast<uint32_t>(payload.size()));
  put_u32(record, crc32(payload));
  record.append(payload);
  if (::lseek(fd_, static_cast<off_t>(size_), SEEK_SET) < 0 ||
      !write_all(fd_, record)) {
    auto e = io_error("write", path_);
    ::ftruncate(fd_, static_cast<off_t>(size_));
    return unexpected(e);
  }
  size_ += record.size();
  pending_rows_ += end - begin;
  return true;
}

Expected<bool, StoreError>
LedgerSpool::append(const std::vector<LedgerRow> &rows) {
  if (rows.empty())
    return true;
  const uint64_t size_before = size_;
  const uint64_t rows_before = pending_rows_;
  auto written = append_record(rows, 0, rows.size());
  if (written && ::fdatasync(fd_) != 0)
    written = unexpected(io_error("fsync", path_));
  if (!written) {
    ::ftruncate(fd_, static_cast<off_t>(size_before));
    size_ = size_before;
    pending_rows_ = rows_before;
  }
  return written;
}

Expected<std::vector<LedgerRow>, StoreError> LedgerSpool::read_all() {
  std::vector<LedgerRow> rows;
  bool malformed = false;
  const uint64_t valid = scan(fd_, size_, [&](std::string_view payload) {
    if (!decode_batch(payload, rows))
      malformed = true;
    return !malformed;
  });
  if (valid != size_ || malformed) {
    return unexpected(
        StoreError{StoreError::Code::kUnavailable,
                   fmt::format("spool {} changed underneath", path_)});
  }
  return rows;
}

Expected<bool, StoreError> LedgerSpool::clear() {
  if (::ftruncate(fd_, 0) != 0 || ::fsync(fd_) != 0)
    return unexpected(io_error("clear", path_));
  size_ = 0;
  pending_rows_ = 0;
  return true;
}

} // namespace sy::store::spool
