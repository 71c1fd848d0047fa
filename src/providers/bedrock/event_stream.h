// AWS event-stream binary framing (application/vnd.amazon.eventstream), as
// used by Bedrock ConverseStream. One message on the wire:
//
//   total_length u32 BE | headers_length u32 BE | prelude_crc u32 BE |
//   headers | payload | message_crc u32 BE
//
// prelude_crc is the CRC-32 (IEEE/zlib) of the first 8 bytes; message_crc the
// CRC-32 of everything before it. A header is name_len u8 | name | type u8 |
// value, with the ten value types of HeaderType.
//
// EventStreamDecoder is incremental: bytes may be fed split anywhere. It is
// bounded (a message longer than max_message is an error, checked from the
// prelude before the body is buffered) and never throws; after an error it
// stays in the error state. encode_event() is the inverse and is used by the
// provider emulator and tests. Everything here is single-threaded plain data;
// distinct instances may be used from different threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sy::providers::bedrock {

// Header value types, numbered as on the wire.
enum class HeaderType : uint8_t {
  kBoolTrue = 0,
  kBoolFalse = 1,
  kByte = 2,       // int8
  kShort = 3,      // int16 BE
  kInt = 4,        // int32 BE
  kLong = 5,       // int64 BE
  kBytes = 6,      // u16 BE length + bytes
  kString = 7,     // u16 BE length + UTF-8 bytes
  kTimestamp = 8,  // int64 BE, milliseconds since the epoch
  kUuid = 9,       // 16 bytes
};

struct EventHeader {
  std::string name;  // at most 255 bytes
  HeaderType type = HeaderType::kString;
  int64_t integer = 0;  // kByte/kShort/kInt/kLong/kTimestamp; 1/0 for the bools
  std::string bytes;    // kBytes/kString (at most 65535 bytes) and kUuid (exactly 16)

  static EventHeader string(std::string name, std::string value);
  static EventHeader boolean(std::string name, bool value);
  static EventHeader int32(std::string name, int32_t value);
};

struct EventMessage {
  std::vector<EventHeader> headers;
  std::string payload;

  // The header called `name`, or nullptr.
  const EventHeader* find(std::string_view name) const;
  // The value of string header `name`, or "" when absent or not a string.
  std::string_view header_string(std::string_view name) const;
};

// CRC-32 (IEEE 802.3 polynomial, reflected, as zlib's crc32()). Pass the
// previous result as `crc` to continue over several pieces.
uint32_t crc32(std::string_view data, uint32_t crc = 0);

// One complete wire message. Header names longer than 255 bytes, string/bytes
// values longer than 65535 bytes and UUIDs not 16 bytes long are truncated or
// padded to fit; callers that build headers from untrusted input must check.
std::string encode_event(const std::vector<EventHeader>& headers, std::string_view payload);

// Convenience for Bedrock streams: a message with :event-type `event_type`,
// :content-type application/json and :message-type event.
std::string encode_converse_event(std::string_view event_type, std::string_view json_payload);
// An exception message: :exception-type `exception_type`, :content-type
// application/json, :message-type exception.
std::string encode_converse_exception(std::string_view exception_type,
                                      std::string_view json_payload);

class EventStreamDecoder {
 public:
  static constexpr std::size_t kDefaultMaxMessage = 16u << 20;  // 16 MiB
  explicit EventStreamDecoder(std::size_t max_message = kDefaultMaxMessage)
      : max_message_(max_message) {}

  // Appends bytes to the internal buffer.
  void feed(std::string_view bytes);

  enum class Status {
    kMessage,   // `msg` holds the next message
    kNeedMore,  // no complete message buffered
    kError,     // corrupt or oversized input; see error(); sticky
  };
  Status next(EventMessage& msg);

  // Why the decoder failed (empty before an error). Never contains payload bytes.
  const std::string& error() const { return error_; }
  // Bytes buffered but not yet returned as part of a message.
  std::size_t pending() const { return buf_.size() - pos_; }

 private:
  Status fail(std::string why);

  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t max_message_;
  std::string error_;
};

}  // namespace sy::providers::bedrock
