#include "providers/chat_output.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <random>

#include "api/error.h"

namespace sy::providers {
namespace {

class DefaultIdSource : public IdSource {
 public:
  DefaultIdSource() {
    std::random_device rd;
    prefix_ = fmt::format("{:08x}{:08x}", rd(), rd());
  }
  std::string completion_id() const override {
    return fmt::format("chatcmpl-{}{:08x}", prefix_, counter_.fetch_add(1));
  }
  std::string tool_call_id() const override {
    return fmt::format("call_{}{:08x}", prefix_, counter_.fetch_add(1));
  }
  int64_t now_seconds() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

 private:
  std::string prefix_;
  mutable std::atomic<uint64_t> counter_{0};
};

}  // namespace

std::shared_ptr<const IdSource> default_id_source() {
  static const auto kSource = std::make_shared<const DefaultIdSource>();
  return kSource;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  api::append_json_escaped(out, s);
  out += '"';
}

std::string to_json(simdjson::dom::element e) { return simdjson::minify(e); }

int64_t json_int(simdjson::dom::element obj, std::string_view key) {
  simdjson::dom::element v;
  if (!obj.is_object() || obj[key].get(v) != simdjson::SUCCESS) return 0;
  if (v.is_int64()) return v.get_int64().value_unsafe();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64().value_unsafe());
  if (v.is_double()) return static_cast<int64_t>(v.get_double().value_unsafe());
  return 0;
}

std::string_view json_str(simdjson::dom::element obj, std::string_view key) {
  std::string_view s;
  if (!obj.is_object() || obj[key].get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

void append_usage_json(std::string& out, const api::Usage& u) {
  out += fmt::format(R"({{"prompt_tokens":{},"completion_tokens":{},"total_tokens":{},)"
                     R"("prompt_tokens_details":{{"cached_tokens":{}}},)"
                     R"("completion_tokens_details":{{"reasoning_tokens":{}}}}})",
                     u.prompt_tokens, u.completion_tokens, u.total(), u.cached_tokens,
                     u.reasoning_tokens);
}

std::string completion_body(const ChatResult& r) {
  std::string out = R"({"id":)";
  append_json_string(out, r.id);
  out += R"(,"object":"chat.completion","created":)";
  out += std::to_string(r.created);
  out += R"(,"model":)";
  append_json_string(out, r.model);
  out += R"(,"choices":[)";
  for (std::size_t i = 0; i < r.choices.size(); ++i) {
    const ChoiceOut& c = r.choices[i];
    if (i) out += ',';
    out += R"({"index":)";
    out += std::to_string(i);
    out += R"(,"message":{"role":"assistant","content":)";
    if (c.has_content) {
      append_json_string(out, c.content);
    } else {
      out += "null";
    }
    if (!c.tool_calls.empty()) {
      out += R"(,"tool_calls":[)";
      for (std::size_t t = 0; t < c.tool_calls.size(); ++t) {
        if (t) out += ',';
        out += R"({"id":)";
        append_json_string(out, c.tool_calls[t].id);
        out += R"(,"type":"function","function":{"name":)";
        append_json_string(out, c.tool_calls[t].name);
        out += R"(,"arguments":)";
        append_json_string(out, c.tool_calls[t].arguments);
        out += "}}";
      }
      out += ']';
    }
    out += R"(},"logprobs":null,"finish_reason":)";
    if (c.finish_reason.empty()) {
      out += "null";
    } else {
      append_json_string(out, c.finish_reason);
    }
    out += '}';
  }
  out += ']';
  if (r.usage.known) {
    out += R"(,"usage":)";
    append_usage_json(out, r.usage);
  }
  out += '}';
  return out;
}

void ChunkWriter::open(std::string& out) {
  out += R"(data: {"id":)";
  append_json_string(out, id_);
  out += R"(,"object":"chat.completion.chunk","created":)";
  out += std::to_string(created_);
  out += R"(,"model":)";
  append_json_string(out, model_);
  out += R"(,"choices":)";
}

void ChunkWriter::close(std::string& out) { out += "}\n\n"; }

void ChunkWriter::role(std::string& out, int index) {
  open(out);
  out += fmt::format(
      R"([{{"index":{},"delta":{{"role":"assistant","content":""}},"logprobs":null,"finish_reason":null}}])",
      index);
  close(out);
}

void ChunkWriter::content(std::string& out, std::string_view text, int index) {
  open(out);
  out += fmt::format(R"([{{"index":{},"delta":{{"content":)", index);
  append_json_string(out, text);
  out += R"(},"logprobs":null,"finish_reason":null}])";
  close(out);
}

void ChunkWriter::tool_call_start(std::string& out, int tool_index, std::string_view call_id,
                                  std::string_view name, std::string_view arguments, int index) {
  open(out);
  out +=
      fmt::format(R"([{{"index":{},"delta":{{"tool_calls":[{{"index":{},"id":)", index, tool_index);
  append_json_string(out, call_id);
  out += R"(,"type":"function","function":{"name":)";
  append_json_string(out, name);
  out += R"(,"arguments":)";
  append_json_string(out, arguments);
  out += R"(}}]},"logprobs":null,"finish_reason":null}])";
  close(out);
}

void ChunkWriter::tool_call_arguments(std::string& out, int tool_index, std::string_view fragment,
                                      int index) {
  open(out);
  out +=
      fmt::format(R"([{{"index":{},"delta":{{"tool_calls":[{{"index":{},"function":{{"arguments":)",
                  index, tool_index);
  append_json_string(out, fragment);
  out += R"(}}]},"logprobs":null,"finish_reason":null}])";
  close(out);
}

void ChunkWriter::finish(std::string& out, std::string_view finish_reason, int index) {
  open(out);
  out += fmt::format(R"([{{"index":{},"delta":{{}},"logprobs":null,"finish_reason":)", index);
  append_json_string(out, finish_reason);
  out += "}]";
  close(out);
}

void ChunkWriter::usage(std::string& out, const api::Usage& u) {
  open(out);
  out += R"([],"usage":)";
  append_usage_json(out, u);
  close(out);
}

void ChunkWriter::done(std::string& out) { out += "data: [DONE]\n\n"; }

}  // namespace sy::providers
