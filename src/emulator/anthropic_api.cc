#include "emulator/anthropic_api.h"

#include "emulator/faults.h"
#include "emulator/json_read.h"
#include "emulator/json_writer.h"
#include "emulator/synth.h"

namespace sy::emulator {
namespace {

const char* stop_reason(Finish f) {
  switch (f) {
    case Finish::kStop:
      return "end_turn";
    case Finish::kLength:
      return "max_tokens";
    case Finish::kToolCalls:
      return "tool_use";
    case Finish::kContentFilter:
      return "refusal";
    case Finish::kStopSequence:
      return "stop_sequence";
  }
  return "end_turn";
}

std::string_view error_type_for(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 504:
      return "timeout_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string_view message_for(int status) {
  switch (status) {
    case 401:
      return "invalid x-api-key";
    case 403:
      return "Your API key does not have permission to use the specified resource.";
    case 404:
      return "The requested resource could not be found.";
    case 413:
      return "Request exceeds the maximum allowed number of bytes.";
    case 429:
      return "This request would exceed the rate limit for your organization of 50 requests "
             "per minute. Please try again later.";
    case 500:
      return "Internal server error";
    case 529:
      return "Overloaded";
    default:
      return status >= 500 ? "Internal server error" : "Invalid request";
  }
}

void write_usage(JsonWriter& w, int64_t input, int64_t output) {
  w.key("usage").begin_object();
  w.member("input_tokens", input)
      .member("cache_creation_input_tokens", 0)
      .member("cache_read_input_tokens", 0)
      .member("output_tokens", output)
      .member("service_tier", "standard")
      .end_object();
}

std::string error_json(std::string_view type, std::string_view message) {
  JsonWriter w;
  w.begin_object().member("type", "error").key("error").begin_object();
  w.member("type", type).member("message", message).end_object();
  w.member("request_id", random_id("req_011", 21)).end_object();
  return w.take();
}

}  // namespace

Reply anthropic_error(int status, std::string_view type, std::string_view message) {
  Reply r = json_reply(status, error_json(type, message));
  r.headers.emplace_back("request-id", random_id("req_011", 21));
  if (status == 529 || status == 429) r.headers.emplace_back("x-should-retry", "true");
  return r;
}

Reply anthropic_messages(const Inbound& in, const Scenario& s, bool faults) {
  if (in.header("x-api-key").empty()) {
    return anthropic_error(401, "authentication_error", "x-api-key header is required");
  }
  if (in.header("anthropic-version").empty()) {
    return anthropic_error(400, "invalid_request_error", "anthropic-version: header is required");
  }
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(in.body).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return anthropic_error(400, "invalid_request_error",
                           "There was an error parsing the body of your request.");
  }
  RequestFacts facts;
  facts.model = string_field(root, "model");
  if (facts.model.empty()) {
    return anthropic_error(400, "invalid_request_error", "model: Field required");
  }
  facts.max_tokens = int_field(root, "max_tokens");
  if (!facts.max_tokens) {
    return anthropic_error(400, "invalid_request_error", "max_tokens: Field required");
  }
  auto messages = field(root, "messages");
  simdjson::dom::array msgs;
  if (!messages || messages->get_array().get(msgs) != simdjson::SUCCESS) {
    return anthropic_error(400, "invalid_request_error", "messages: Field required");
  }
  facts.stream = bool_field(root, "stream");
  facts.prompt_words = prompt_words_in(*messages);
  if (auto system = field(root, "system")) facts.prompt_words += prompt_words_in(*system);
  for (element m : msgs) {
    if (string_field(m, "role") == "user") {
      if (auto c = field(m, "content")) facts.last_user_text = content_text(*c);
    }
  }
  if (auto tools = field(root, "tools")) {
    simdjson::dom::array arr;
    if (tools->get_array().get(arr) == simdjson::SUCCESS && arr.size() > 0) {
      element first = arr.at(0).value_unsafe();
      facts.has_tools = true;
      facts.tool_name = string_field(first, "name", "tool");
      if (auto schema = field(first, "input_schema")) facts.tool_arg_name = first_property(*schema);
    }
  }
  if (auto stops = field(root, "stop_sequences")) {
    simdjson::dom::array arr;
    std::string_view sv;
    if (stops->get_array().get(arr) == simdjson::SUCCESS && arr.size() > 0 &&
        arr.at(0).get_string().get(sv) == simdjson::SUCCESS) {
      facts.stop_sequence = std::string(sv);
    }
  }

  if (faults && s.context) {
    int64_t tokens = prompt_tokens_for_words(facts.prompt_words) + 200000;
    return anthropic_error(
        400, "invalid_request_error",
        "prompt is too long: " + std::to_string(tokens) + " tokens > 200000 maximum");
  }
  if (faults && s.status != 0) {
    return anthropic_error(s.status, error_type_for(s.status), message_for(s.status));
  }

  Completion c = plan_completion(facts, s);
  std::string id = random_id("msg_01", 22);
  std::string tool_id = c.tool_call ? random_id("toolu_01", 22) : "";
  std::string stop_seq =
      c.finish == Finish::kStopSequence
          ? (facts.stop_sequence.empty() ? std::string("\n\nHuman:") : facts.stop_sequence)
          : "";
  auto write_stop_sequence = [&](JsonWriter& w) {
    if (stop_seq.empty())
      w.member_null("stop_sequence");
    else
      w.member("stop_sequence", stop_seq);
  };

  Reply r;
  r.headers.emplace_back("request-id", random_id("req_011", 21));
  r.headers.emplace_back("anthropic-organization-id", "00000000-0000-4000-8000-0000000e0a1a");
  if (!facts.stream) {
    JsonWriter w;
    w.begin_object()
        .member("id", id)
        .member("type", "message")
        .member("role", "assistant")
        .member("model", facts.model);
    w.key("content").begin_array().begin_object();
    if (c.tool_call) {
      w.member("type", "tool_use").member("id", tool_id).member("name", c.tool_name);
      w.key("input").raw(c.tool_args_json);
    } else {
      w.member("type", "text").member("text", c.text());
    }
    w.end_object().end_array();
    w.member("stop_reason", stop_reason(c.finish));
    write_stop_sequence(w);
    write_usage(w, c.prompt_tokens, c.completion_tokens);
    w.end_object();
    r.body = w.take();
    if (faults && s.malformed) make_malformed(r);
    return r;
  }

  r.streaming = true;
  r.content_type = "text/event-stream; charset=utf-8";
  r.headers.emplace_back("cache-control", "no-cache");
  {
    JsonWriter w;
    w.begin_object().member("type", "message_start").key("message").begin_object();
    w.member("id", id)
        .member("type", "message")
        .member("role", "assistant")
        .member("model", facts.model);
    w.key("content").begin_array().end_array();
    w.member_null("stop_reason").member_null("stop_sequence");
    write_usage(w, c.prompt_tokens, 1);
    w.end_object().end_object();
    r.frames.push_back(sse_event("message_start", w.str()));
  }
  {
    JsonWriter w;
    w.begin_object().member("type", "content_block_start").member("index", 0);
    w.key("content_block").begin_object();
    if (c.tool_call) {
      w.member("type", "tool_use").member("id", tool_id).member("name", c.tool_name);
      w.key("input").begin_object().end_object();
    } else {
      w.member("type", "text").member("text", "");
    }
    w.end_object().end_object();
    r.frames.push_back(sse_event("content_block_start", w.str()));
  }
  r.frames.push_back(sse_event("ping", R"({"type": "ping"})"));
  auto delta = [&](std::string_view kind, std::string_view key, std::string_view value) {
    JsonWriter w;
    w.begin_object().member("type", "content_block_delta").member("index", 0);
    w.key("delta").begin_object().member("type", kind).member(key, value).end_object();
    w.end_object();
    r.frames.push_back(sse_event("content_block_delta", w.str()));
  };
  if (c.tool_call) {
    delta("input_json_delta", "partial_json", "");
    for (const auto& frag : c.arg_fragments) delta("input_json_delta", "partial_json", frag);
  } else {
    for (const auto& piece : c.pieces) delta("text_delta", "text", piece);
  }
  r.frames.push_back(sse_event("content_block_stop", R"({"type":"content_block_stop","index":0})"));
  {
    JsonWriter w;
    w.begin_object().member("type", "message_delta").key("delta").begin_object();
    w.member("stop_reason", stop_reason(c.finish));
    write_stop_sequence(w);
    w.end_object();
    w.key("usage").begin_object().member("output_tokens", c.completion_tokens).end_object();
    w.end_object();
    r.frames.push_back(sse_event("message_delta", w.str()));
  }
  r.frames.push_back(sse_event("message_stop", R"({"type":"message_stop"})"));
  if (faults && s.error_event) {
    JsonWriter w;
    w.begin_object().member("type", "error").key("error").begin_object();
    w.member("type", "overloaded_error").member("message", "Overloaded").end_object();
    w.end_object();
    replace_tail_with_error(r, *s.error_event, sse_event("error", w.str()));
  }
  if (faults && s.malformed) make_malformed(r);
  return r;
}

}  // namespace sy::emulator
