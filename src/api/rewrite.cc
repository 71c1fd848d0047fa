#include "api/rewrite.h"

#include "api/error.h"

namespace sy::api {

namespace {
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
}  // namespace

std::string rewrite_body(const Request& req, const RewriteOptions& opts) {
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

}  // namespace sy::api
