// A compact RapidJSON writer for the gateway's own JSON answers (route
// explain, policy decisions) and the two calls every such writer repeats:
// a string value and a key from std::string_view.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string_view>

namespace sy::json {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

inline void str(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

inline void key(Writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}

}  // namespace sy::json
