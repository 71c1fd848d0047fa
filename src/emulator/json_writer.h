// A small compact JSON writer for the emulator's response bodies. Appends to
// an owned std::string; commas are managed by a nesting stack. The caller
// must balance begin/end calls. Not thread-safe (one writer per body).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sy::emulator {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view s);
  JsonWriter& number(int64_t n);
  JsonWriter& number(double d);
  JsonWriter& boolean(bool b);
  JsonWriter& null();
  // Inserts already-serialised JSON as one value.
  JsonWriter& raw(std::string_view json);

  // Shorthands for "key": value members.
  JsonWriter& member(std::string_view k, std::string_view v) { return key(k).string(v); }
  JsonWriter& member(std::string_view k, const char* v) { return key(k).string(v); }
  JsonWriter& member(std::string_view k, int64_t v) { return key(k).number(v); }
  JsonWriter& member(std::string_view k, int v) { return key(k).number(int64_t{v}); }
  JsonWriter& member(std::string_view k, bool v) { return key(k).boolean(v); }
  JsonWriter& member_null(std::string_view k) { return key(k).null(); }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

// Appends `s` JSON-escaped (no quotes) to `out`.
void append_escaped(std::string& out, std::string_view s);

// `s` as a JSON string literal, quotes included.
std::string quoted(std::string_view s);

}  // namespace sy::emulator
