#include "classifier/dataset.h"

#include <openssl/sha.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <unordered_map>

namespace sy::classifier {

std::optional<float> Record::score_of(uint16_t model) const {
  for (const auto& [id, q] : scores) {
    if (id == model) return q;
  }
  return std::nullopt;
}

int Dataset::model_id(std::string_view name) const {
  for (std::size_t i = 0; i < models.size(); ++i) {
    if (models[i] == name) return static_cast<int>(i);
  }
  return -1;
}

uint32_t split_key(std::string_view group, std::string_view salt) {
  std::string key(salt);
  key.append(group);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  const uint32_t first = (uint32_t{digest[0]} << 24) | (uint32_t{digest[1]} << 16) |
                         (uint32_t{digest[2]} << 8) | uint32_t{digest[3]};
  return first;
}

namespace {

std::string line_error(std::size_t line, std::string_view what) {
  return "line " + std::to_string(line) + ": " + std::string(what);
}

}  // namespace

Expected<Dataset, std::string> parse_jsonl(std::string_view text) {
  Dataset data;
  std::unordered_map<std::string, uint16_t> ids;
  simdjson::dom::parser parser;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.size() > kMaxLineBytes) return unexpected(line_error(line_no, "line too long"));
    simdjson::dom::element root;
    if (parser.parse(line.data(), line.size(), true).get(root) != simdjson::SUCCESS) {
      return unexpected(line_error(line_no, "malformed JSON"));
    }
    simdjson::dom::object obj;
    if (root.get_object().get(obj) != simdjson::SUCCESS) {
      return unexpected(line_error(line_no, "not a JSON object"));
    }
    Record rec;
    simdjson::dom::array messages;
    if (obj["messages"].get_array().get(messages) != simdjson::SUCCESS) {
      return unexpected(line_error(line_no, "missing \"messages\" array"));
    }
    collect_messages(messages, rec.text, rec.shape);
    simdjson::dom::array tools;
    if (obj["tools"].get_array().get(tools) == simdjson::SUCCESS) {
      rec.shape.tools = static_cast<uint32_t>(tools.size());
    }
    std::string_view s;
    if (obj["group"].get_string().get(s) == simdjson::SUCCESS) {
      rec.group = s;
    } else if (obj["id"].get_string().get(s) == simdjson::SUCCESS) {
      rec.group = s;
    } else {
      rec.group = "line-" + std::to_string(line_no);
    }
    simdjson::dom::object scores;
    if (obj["scores"].get_object().get(scores) == simdjson::SUCCESS) {
      for (auto field : scores) {
        double q;
        if (field.value.get_double().get(q) != simdjson::SUCCESS) {
          int64_t qi;
          if (field.value.get_int64().get(qi) != simdjson::SUCCESS) {
            return unexpected(line_error(line_no, "non-numeric score"));
          }
          q = static_cast<double>(qi);
        }
        std::string name(field.key);
        auto it = ids.find(name);
        if (it == ids.end()) {
          if (data.models.size() >= 0xffff)
            return unexpected(line_error(line_no, "too many models"));
          it = ids.emplace(name, static_cast<uint16_t>(data.models.size())).first;
          data.models.push_back(name);
        }
        rec.scores.emplace_back(it->second, static_cast<float>(q));
      }
    }
    if (obj["tier"].get_string().get(s) == simdjson::SUCCESS) {
      if (s == "mini") {
        rec.tier = Tier::kMini;
      } else if (s == "standard" || s == "strong") {
        rec.tier = Tier::kStrong;
      } else {
        return unexpected(line_error(line_no, "tier must be \"mini\" or \"standard\""));
      }
    }
    if (rec.scores.empty() && rec.tier == Tier::kUnknown) {
      return unexpected(line_error(line_no, "needs \"scores\" or \"tier\""));
    }
    data.records.push_back(std::move(rec));
  }
  return data;
}

Expected<Dataset, std::string> read_jsonl(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot open " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  auto data = parse_jsonl(buf.str());
  if (!data) return unexpected(path + ": " + data.error());
  return data;
}

}  // namespace sy::classifier
