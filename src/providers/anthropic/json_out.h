// JSON output for the Anthropic wire code: a RapidJSON Writer that appends to
// a std::string (escaping and commas handled by RapidJSON), plus helpers that
// take std::string_view and copy simdjson values through verbatim.
// Header-only; a JsonOut is a local, single-threaded value.
#pragma once

#include <rapidjson/writer.h>
#include <simdjson.h>

#include <string>
#include <string_view>

namespace sy::providers::anthropic {

// RapidJSON output stream over a caller-owned std::string.
class StringSink {
 public:
  using Ch = char;
  explicit StringSink(std::string& out) : out_(&out) {}
  void Put(char c) { out_->push_back(c); }
  void Flush() {}

 private:
  std::string* out_;
};

// Sets `out` when `r` holds a value; leaves it unchanged otherwise.
template <class T, class U>
void get_if(simdjson::simdjson_result<T>&& r, U& out) {
  T v;
  if (std::move(r).get(v) == simdjson::SUCCESS) out = v;
}

class JsonOut {
 public:
  explicit JsonOut(std::string& out) : sink_(out), w_(sink_) {}

  JsonOut& begin_object() {
    w_.StartObject();
    return *this;
  }
  JsonOut& end_object() {
    w_.EndObject();
    return *this;
  }
  JsonOut& begin_array() {
    w_.StartArray();
    return *this;
  }
  JsonOut& end_array() {
    w_.EndArray();
    return *this;
  }
  JsonOut& key(std::string_view k) {
    w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    return *this;
  }
  JsonOut& string(std::string_view s) {
    w_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return *this;
  }
  JsonOut& int64(int64_t n) {
    w_.Int64(n);
    return *this;
  }
  JsonOut& boolean(bool b) {
    w_.Bool(b);
    return *this;
  }
  JsonOut& null() {
    w_.Null();
    return *this;
  }
  // Writes `json` (already valid, compact JSON text) as the next value.
  JsonOut& raw(std::string_view json) {
    w_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    return *this;
  }
  // Copies a parsed value through as compact JSON.
  JsonOut& value(simdjson::dom::element e) { return raw(simdjson::minify(e)); }

 private:
  StringSink sink_;
  rapidjson::Writer<StringSink> w_;
};

}  // namespace sy::providers::anthropic
