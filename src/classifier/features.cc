#include "classifier/features.h"

#include <algorithm>
#include <cmath>

#include "classifier/feature_hashing.h"

namespace sy::classifier {
namespace {

// Appends `piece` to the bounded text buffer, keeping the most recent bytes.
void append_bounded(std::string& text, std::string_view piece) {
  text.append(piece);
  text.push_back('\n');
  if (text.size() > 2 * kMaxTextBytes) text.erase(0, text.size() - kMaxTextBytes);
}

}  // namespace

FeatureVector features(std::string_view text, const RequestShape& shape, uint32_t hash_bits) {
  FeatureVector out;
  std::array<uint32_t, detail::kNamespaceCount> counts{};
  struct Raw {
    uint32_t ns;
    uint32_t index;
  };
  std::vector<Raw> raw;
  raw.reserve(std::min(text.size(), kMaxTextBytes) * 4 + 8);
  detail::visit_text(text, shape, hash_bits, out.dense, [&](uint32_t ns, uint32_t index) {
    ++counts[ns];
    raw.push_back({ns, index});
  });
  std::array<float, detail::kNamespaceCount> scale{};
  for (uint32_t ns = 0; ns < detail::kNamespaceCount; ++ns) {
    scale[ns] = counts[ns] ? 1.0f / std::sqrt(static_cast<float>(counts[ns])) : 0.0f;
  }
  std::sort(raw.begin(), raw.end(), [](const Raw& a, const Raw& b) {
    return a.index != b.index ? a.index < b.index : a.ns < b.ns;
  });
  out.sparse.reserve(raw.size());
  for (const Raw& r : raw) {
    const float v = scale[r.ns];
    if (!out.sparse.empty() && out.sparse.back().index == r.index) {
      out.sparse.back().value += v;
    } else {
      out.sparse.push_back({r.index, v});
    }
  }
  return out;
}

void collect_messages(simdjson::dom::array messages, std::string& text, RequestShape& shape) {
  shape.messages = 0;
  for (simdjson::dom::element message : messages) {
    ++shape.messages;
    simdjson::dom::object msg;
    if (message.get_object().get(msg) != simdjson::SUCCESS) continue;
    std::string_view role;
    const bool is_system = msg["role"].get_string().get(role) == simdjson::SUCCESS &&
                           (role == "system" || role == "developer");
    simdjson::dom::element content;
    if (msg["content"].get(content) != simdjson::SUCCESS) continue;
    std::string_view s;
    if (content.get_string().get(s) == simdjson::SUCCESS) {
      shape.total_chars += s.size();
      if (is_system) shape.system_chars += s.size();
      append_bounded(text, s);
      continue;
    }
    simdjson::dom::array parts;
    if (content.get_array().get(parts) != simdjson::SUCCESS) continue;
    for (simdjson::dom::element part : parts) {
      std::string_view type;
      if (part["type"].get_string().get(type) != simdjson::SUCCESS) continue;
      if (type == "text" || type == "input_text") {
        if (part["text"].get_string().get(s) == simdjson::SUCCESS) {
          shape.total_chars += s.size();
          if (is_system) shape.system_chars += s.size();
          append_bounded(text, s);
        }
      } else if (type.find("image") != std::string_view::npos) {
        ++shape.images;
      }
    }
  }
  if (text.size() > kMaxTextBytes) text.erase(0, text.size() - kMaxTextBytes);
}

FeatureVector features(simdjson::dom::object request, uint32_t hash_bits) {
  std::string text;
  RequestShape shape;
  simdjson::dom::array messages;
  if (request["messages"].get_array().get(messages) == simdjson::SUCCESS) {
    collect_messages(messages, text, shape);
  } else {
    shape.messages = 0;
  }
  simdjson::dom::array tools;
  if (request["tools"].get_array().get(tools) == simdjson::SUCCESS) {
    shape.tools = static_cast<uint32_t>(tools.size());
  }
  return features(text, shape, hash_bits);
}

}  // namespace sy::classifier
