#include "providers/bedrock/event_stream.h"

#include <array>
#include <utility>

namespace sy::providers::bedrock {
namespace {

constexpr std::size_t kPreludeSize = 12;  // total_length, headers_length, prelude_crc
constexpr std::size_t kMinMessage = kPreludeSize + 4;

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

void put_u(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint64_t get_u(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

int64_t sign_extend(uint64_t v, int bytes) {
  if (bytes >= 8) return static_cast<int64_t>(v);
  uint64_t sign = uint64_t{1} << (8 * bytes - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

void encode_header(std::string& out, const EventHeader& h) {
  std::string_view name = h.name;
  if (name.size() > 255) name = name.substr(0, 255);
  out += static_cast<char>(name.size());
  out += name;
  out += static_cast<char>(h.type);
  switch (h.type) {
    case HeaderType::kBoolTrue:
    case HeaderType::kBoolFalse:
      break;
    case HeaderType::kByte:
      put_u(out, static_cast<uint64_t>(h.integer), 1);
      break;
    case HeaderType::kShort:
      put_u(out, static_cast<uint64_t>(h.integer), 2);
      break;
    case HeaderType::kInt:
      put_u(out, static_cast<uint64_t>(h.integer), 4);
      break;
    case HeaderType::kLong:
    case HeaderType::kTimestamp:
      put_u(out, static_cast<uint64_t>(h.integer), 8);
      break;
    case HeaderType::kBytes:
    case HeaderType::kString: {
      std::string_view v = h.bytes;
      if (v.size() > 65535) v = v.substr(0, 65535);
      put_u(out, v.size(), 2);
      out += v;
      break;
    }
    case HeaderType::kUuid: {
      std::string v = h.bytes.substr(0, 16);
      v.resize(16, '\0');
      out += v;
      break;
    }
  }
}

}  // namespace

EventHeader EventHeader::string(std::string name, std::string value) {
  EventHeader h;
  h.name = std::move(name);
  h.type = HeaderType::kString;
  h.bytes = std::move(value);
  return h;
}

EventHeader EventHeader::boolean(std::string name, bool value) {
  EventHeader h;
  h.name = std::move(name);
  h.type = value ? HeaderType::kBoolTrue : HeaderType::kBoolFalse;
  h.integer = value ? 1 : 0;
  return h;
}

EventHeader EventHeader::int32(std::string name, int32_t value) {
  EventHeader h;
  h.name = std::move(name);
  h.type = HeaderType::kInt;
  h.integer = value;
  return h;
}

const EventHeader* EventMessage::find(std::string_view name) const {
  for (const auto& h : headers)
    if (h.name == name) return &h;
  return nullptr;
}

std::string_view EventMessage::header_string(std::string_view name) const {
  const EventHeader* h = find(name);
  if (h == nullptr || h->type != HeaderType::kString) return {};
  return h->bytes;
}

uint32_t crc32(std::string_view data, uint32_t crc) {
  crc = ~crc;
  for (unsigned char c : data) crc = kCrcTable[(crc ^ c) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::string encode_event(const std::vector<EventHeader>& headers, std::string_view payload) {
  std::string hdr;
  for (const auto& h : headers) encode_header(hdr, h);
  std::string out;
  const std::size_t total = kPreludeSize + hdr.size() + payload.size() + 4;
  out.reserve(total);
  put_u(out, total, 4);
  put_u(out, hdr.size(), 4);
  put_u(out, crc32(out), 4);
  out += hdr;
  out += payload;
  put_u(out, crc32(out), 4);
  return out;
}

std::string encode_converse_event(std::string_view event_type, std::string_view json_payload) {
  return encode_event({EventHeader::string(":event-type", std::string(event_type)),
                       EventHeader::string(":content-type", "application/json"),
                       EventHeader::string(":message-type", "event")},
                      json_payload);
}

std::string encode_converse_exception(std::string_view exception_type,
                                      std::string_view json_payload) {
  return encode_event({EventHeader::string(":exception-type", std::string(exception_type)),
                       EventHeader::string(":content-type", "application/json"),
                       EventHeader::string(":message-type", "exception")},
                      json_payload);
}

void EventStreamDecoder::feed(std::string_view bytes) {
  if (!error_.empty()) return;
  // Compact before growing so consumed messages do not accumulate.
  if (pos_ > 0 && (pos_ == buf_.size() || pos_ > (1u << 16))) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

EventStreamDecoder::Status EventStreamDecoder::fail(std::string why) {
  error_ = std::move(why);
  buf_.clear();
  pos_ = 0;
  return Status::kError;
}

EventStreamDecoder::Status EventStreamDecoder::next(EventMessage& msg) {
  if (!error_.empty()) return Status::kError;
  const std::size_t avail = buf_.size() - pos_;
  if (avail < kPreludeSize) return Status::kNeedMore;
  const char* p = buf_.data() + pos_;
  const uint64_t total = get_u(p, 4);
  const uint64_t headers_len = get_u(p + 4, 4);
  const uint32_t prelude_crc = static_cast<uint32_t>(get_u(p + 8, 4));
  if (crc32(std::string_view(p, 8)) != prelude_crc)
    return fail("event stream prelude CRC mismatch");
  if (total < kMinMessage) return fail("event stream message shorter than its prelude");
  if (total > max_message_) return fail("event stream message exceeds the size limit");
  if (headers_len > total - kMinMessage) return fail("event stream headers exceed the message");
  if (avail < total) return Status::kNeedMore;

  const std::string_view whole(p, total);
  const uint32_t message_crc = static_cast<uint32_t>(get_u(p + total - 4, 4));
  if (crc32(whole.substr(0, total - 4)) != message_crc)
    return fail("event stream message CRC mismatch");

  msg.headers.clear();
  msg.payload.clear();
  std::string_view h = whole.substr(kPreludeSize, headers_len);
  while (!h.empty()) {
    EventHeader out;
    const std::size_t name_len = static_cast<unsigned char>(h[0]);
    if (name_len == 0 || h.size() < 1 + name_len + 1) return fail("event stream header truncated");
    out.name.assign(h.substr(1, name_len));
    const uint8_t type = static_cast<unsigned char>(h[1 + name_len]);
    h.remove_prefix(2 + name_len);
    auto need = [&](std::size_t n) { return h.size() >= n; };
    switch (type) {
      case 0:
      case 1:
        out.type = static_cast<HeaderType>(type);
        out.integer = type == 0 ? 1 : 0;
        break;
      case 2:
      case 3:
      case 4:
      case 5:
      case 8: {
        const int width = type == 2 ? 1 : type == 3 ? 2 : type == 4 ? 4 : 8;
        if (!need(width)) return fail("event stream header value truncated");
        out.type = static_cast<HeaderType>(type);
        out.integer = sign_extend(get_u(h.data(), width), width);
        h.remove_prefix(width);
        break;
      }
      case 6:
      case 7: {
        if (!need(2)) return fail("event stream header value truncated");
        const std::size_t len = get_u(h.data(), 2);
        if (!need(2 + len)) return fail("event stream header value truncated");
        out.type = static_cast<HeaderType>(type);
        out.bytes.assign(h.substr(2, len));
        h.remove_prefix(2 + len);
        break;
      }
      case 9:
        if (!need(16)) return fail("event stream header value truncated");
        out.type = HeaderType::kUuid;
        out.bytes.assign(h.substr(0, 16));
        h.remove_prefix(16);
        break;
      default:
        return fail("event stream header has an unknown value type");
    }
    msg.headers.push_back(std::move(out));
  }
  msg.payload.assign(whole.substr(kPreludeSize + headers_len, total - kMinMessage - headers_len));
  pos_ += total;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  return Status::kMessage;
}

}  // namespace sy::providers::bedrock
