#include "api/rewrite.h"

#include <algorithm>

#include "api/error.h"
#include "api/json_scan.h"

namespace sy::api {

namespace {
std::string rewrite_with_quirks(const Request& req, const RewriteOptions& opts);
void append_string_literal(std::string& out, std::string_view s) {
  out += '"';
  append_json_escaped(out, s);
  out += '"';
}

// Replacement for the stream_options value: the client's object with
// include_usage forced to true.
std::string stream_options_with_usage(const Request& req) {
  std::string out = "{";
  simdjson::dom::object so;
  if (req.root()["stream_options"].get_object().get(so) == simdjson::SUCCESS) {
    for (auto field : so) {
      if (field.key == "include_usage") continue;
      out += '"';
      append_json_escaped(out, field.key);
      out += "\":";
      out += simdjson::minify(field.value);
      out += ',';
    }
  }
  out += "\"include_usage\":true}";
  return out;
}

// The messages array with system/developer messages folded into the first
// user message ("<system text>\n\n<user text>").
std::string fold_system_messages(const Request& req) {
  simdjson::dom::array messages;
  if (req.root()["messages"].get_array().get(messages) != simdjson::SUCCESS) return "[]";
  std::string system_text;
  for (simdjson::dom::element m : messages) {
    std::string_view role, content;
    if (m["role"].get_string().get(role) != simdjson::SUCCESS) continue;
    if (role != "system" && role != "developer") continue;
    if (m["content"].get_string().get(content) == simdjson::SUCCESS) {
      if (!system_text.empty()) system_text += "\n\n";
      system_text += content;
    } else {
      simdjson::dom::array parts;
      if (m["content"].get_array().get(parts) != simdjson::SUCCESS) continue;
      for (simdjson::dom::element part : parts) {
        std::string_view text;
        if (part["text"].get_string().get(text) != simdjson::SUCCESS) continue;
        if (!system_text.empty()) system_text += "\n\n";
        system_text += text;
      }
    }
  }
  std::string out = "[";
  bool folded = system_text.empty();
  for (simdjson::dom::element m : messages) {
    std::string_view role;
    (void)m["role"].get_string().get(role);
    if (role == "system" || role == "developer") continue;
    if (out.size() > 1) out += ',';
    std::string_view content;
    if (!folded && role == "user" && m["content"].get_string().get(content) == simdjson::SUCCESS) {
      out += "{";
      for (auto field : simdjson::dom::object(m.get_object().value_unsafe())) {
        if (field.key == "content") continue;
        out += '"';
        append_json_escaped(out, field.key);
        out += "\":";
        out += simdjson::minify(field.value);
        out += ',';
      }
      out += "\"content\":\"";
      append_json_escaped(out, system_text);
      out += "\\n\\n";
      append_json_escaped(out, content);
      out += "\"}";
      folded = true;
    } else {
      out += simdjson::minify(m);
    }
  }
  if (!folded) {
    // No plain-text user message to fold into: the system text becomes one.
    if (out.size() > 1) out.insert(1, ",");
    std::string first = "{\"role\":\"user\",\"content\":\"";
    append_json_escaped(first, system_text);
    first += "\"}";
    out.insert(1, first);
  }
  out += ']';
  return out;
}

bool space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The span of a whole member (key through value) with one adjacent comma, so
// removing it leaves valid JSON.
Span member_span_with_comma(std::string_view body, const RawMember& m) {
  std::size_t begin = static_cast<std::size_t>(m.key.data() - body.data()) - 1;  // opening quote
  std::size_t end = m.value_end;
  std::size_t after = end;
  while (after < body.size() && space(body[after])) ++after;
  if (after < body.size() && body[after] == ',') return {begin, after + 1};
  std::size_t before = begin;
  while (before > 0 && space(body[before - 1])) --before;
  if (before > 0 && body[before - 1] == ',') return {before - 1, end};
  return {begin, end};
}
}  // namespace

std::string rewrite_body(const Request& req, const RewriteOptions& opts) {
  simdjson::dom::element ignored;
  const bool gateway_fields = req.root()["models"].get(ignored) == simdjson::SUCCESS ||
                              req.root()["route"].get(ignored) == simdjson::SUCCESS;
  if (gateway_fields) {
    RewriteOptions without = opts;
    without.drops.push_back("models");
    without.drops.push_back("route");
    return rewrite_with_quirks(req, without);
  }
  if (!opts.renames.empty() || !opts.drops.empty() || opts.fold_system) {
    return rewrite_with_quirks(req, opts);
  }
  const std::string& in = req.body();
  Span model = req.model_span();
  Span so = req.stream_options_span();
  const bool touch_so = opts.force_include_usage && !req.include_usage();

  std::string out;
  out.reserve(in.size() + opts.upstream_model.size() + 48);

  // Edits in ascending offset order.
  struct Edit {
    Span span;
    std::string text;
  };
  Edit edits[2];
  int n = 0;
  std::string model_text;
  append_string_literal(model_text, opts.upstream_model);
  edits[n++] = {model, std::move(model_text)};
  if (touch_so && so.present()) edits[n++] = {so, stream_options_with_usage(req)};
  if (n == 2 && edits[1].span.begin < edits[0].span.begin) std::swap(edits[0], edits[1]);

  std::size_t pos = 0;
  if (touch_so && !so.present()) {
    // Insert a new member right after the opening brace.
    std::size_t brace = in.find('{');
    out.append(in, 0, brace + 1);
    out += R"("stream_options":{"include_usage":true},)";
    pos = brace + 1;
  }
  for (int i = 0; i < n; ++i) {
    out.append(in, pos, edits[i].span.begin - pos);
    out += edits[i].text;
    pos = edits[i].span.end;
  }
  out.append(in, pos, std::string::npos);
  return out;
}


namespace {

// The general path: every edit is a (span, replacement) over the top-level
// members, applied in order. Used only for models with quirks.
std::string rewrite_with_quirks(const Request& req, const RewriteOptions& opts) {
  const std::string& in = req.body();
  std::vector<RawMember> members = scan_top_level(in);
  std::vector<std::string_view> keys;
  for (auto field : req.root()) keys.push_back(field.key);
  auto present = [&](std::string_view k) {
    return std::find(keys.begin(), keys.end(), k) != keys.end();
  };
  struct Edit {
    Span span;
    std::string text;
  };
  std::vector<Edit> edits;
  const bool touch_so = opts.force_include_usage && !req.include_usage();
  for (std::size_t i = 0; i < members.size() && i < keys.size(); ++i) {
    const RawMember& m = members[i];
    std::string_view key = keys[i];
    Span value{m.value_begin, m.value_end};
    if (std::find(opts.drops.begin(), opts.drops.end(), key) != opts.drops.end()) {
      edits.push_back({member_span_with_comma(in, m), ""});
      continue;
    }
    if (key == "model") {
      std::string text;
      append_string_literal(text, opts.upstream_model);
      edits.push_back({value, std::move(text)});
    } else if (key == "stream_options" && touch_so) {
      edits.push_back({value, stream_options_with_usage(req)});
    } else if (key == "messages" && opts.fold_system) {
      edits.push_back({value, fold_system_messages(req)});
    }
    for (const auto& [from, to] : opts.renames) {
      if (key != from || present(to)) continue;
      std::size_t kb = static_cast<std::size_t>(m.key.data() - in.data()) - 1;
      std::string text;
      append_string_literal(text, to);
      edits.push_back({{kb, kb + m.key.size() + 2}, std::move(text)});
    }
  }
  std::sort(edits.begin(), edits.end(),
            [](const Edit& a, const Edit& b) { return a.span.begin < b.span.begin; });
  std::string out;
  out.reserve(in.size() + 64);
  std::size_t pos = 0;
  if (touch_so && !req.stream_options_span().present()) {
    std::size_t brace = in.find('{');
    out.append(in, 0, brace + 1);
    out += R"("stream_options":{"include_usage":true},)";
    pos = brace + 1;
  }
  for (const Edit& e : edits) {
    if (e.span.begin < pos) continue;  // overlapping (a dropped member's comma)
    out.append(in, pos, e.span.begin - pos);
    out += e.text;
    pos = e.span.end;
  }
  out.append(in, pos, std::string::npos);
  // Removing the last member may leave "{," when it was also the first.
  return out;
}

}  // namespace

}  // namespace sy::api
