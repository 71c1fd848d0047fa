#include "emulator/bedrock_api.h"

#include <algorithm>

#include "emulator/faults.h"
#include "emulator/json_read.h"
#include "emulator/json_writer.h"
#include "emulator/synth.h"
#include "providers/bedrock/event_stream.h"

namespace sy::emulator {
namespace {

namespace es = sy::providers::bedrock;

struct ErrorKind {
  std::string_view type;  // x-amzn-ErrorType / exception name
  std::string_view message;
};

ErrorKind error_kind(int status) {
  switch (status) {
    case 400:
      return {"ValidationException",
              "Malformed input request, please reformat your input and try again."};
    case 403:
      return {"AccessDeniedException",
              "You don't have access to the model with the specified model ID."};
    case 404:
      return {"ResourceNotFoundException",
              "Could not resolve the foundation model from the provided model identifier."};
    case 408:
      return {"ModelTimeoutException", "Model has timed out in processing the request."};
    case 424:
      return {"ModelErrorException", "The model returned an error."};
    case 429:
      return {"ThrottlingException", "Too many requests, please wait before trying again."};
    case 503:
      return {"ServiceUnavailableException", "Bedrock is unable to process your request."};
    default:
      if (status >= 500)
        return {"InternalServerException", "The server encountered an internal error."};
      return {"ValidationException", "The request was rejected."};
  }
}

const char* stop_reason(Finish f) {
  switch (f) {
    case Finish::kStop:
      return "end_turn";
    case Finish::kLength:
      return "max_tokens";
    case Finish::kToolCalls:
      return "tool_use";
    case Finish::kContentFilter:
      return "content_filtered";
    case Finish::kStopSequence:
      return "stop_sequence";
  }
  return "end_turn";
}

// Bedrock pads stream payloads with a random "p" member; so does the emulator.
std::string padding() { return random_id("", 8 + static_cast<int>(unix_millis() % 20)); }

RequestFacts bedrock_facts(element root, std::string model) {
  RequestFacts f;
  f.model = std::move(model);
  if (auto messages = field(root, "messages")) {
    f.prompt_words = prompt_words_in(*messages);
    simdjson::dom::array arr;
    if (messages->get_array().get(arr) == simdjson::SUCCESS) {
      for (element m : arr) {
        if (string_field(m, "role") != "user") continue;
        if (auto c = field(m, "content")) f.last_user_text = content_text(*c);
      }
    }
  }
  if (auto system = field(root, "system")) f.prompt_words += prompt_words_in(*system);
  if (auto cfg = field(root, "inferenceConfig")) {
    f.max_tokens = int_field(*cfg, "maxTokens");
    if (auto stops = field(*cfg, "stopSequences")) {
      simdjson::dom::array arr;
      std::string_view sv;
      if (stops->get_array().get(arr) == simdjson::SUCCESS && arr.size() > 0 &&
          arr.at(0).get_string().get(sv) == simdjson::SUCCESS) {
        f.stop_sequence = std::string(sv);
      }
    }
  }
  if (auto tc = field(root, "toolConfig")) {
    auto tools = field(*tc, "tools");
    simdjson::dom::array arr;
    if (tools && tools->get_array().get(arr) == simdjson::SUCCESS && arr.size() > 0) {
      if (auto spec = field(arr.at(0).value_unsafe(), "toolSpec")) {
        f.has_tools = true;
        f.tool_name = string_field(*spec, "name", "tool");
        if (auto schema = field(*spec, "inputSchema")) {
          if (auto json = field(*schema, "json")) f.tool_arg_name = first_property(*json);
        }
      }
    }
  }
  return f;
}

void write_usage(JsonWriter& w, const Completion& c) {
  w.key("usage").begin_object();
  w.member("inputTokens", c.prompt_tokens)
      .member("outputTokens", c.completion_tokens)
      .member("totalTokens", c.prompt_tokens + c.completion_tokens)
      .end_object();
}

}  // namespace

Reply bedrock_error(int status, std::string_view error_type, std::string_view message) {
  JsonWriter w;
  w.begin_object().member("message", message).end_object();
  Reply r = json_reply(status, w.take());
  r.headers.emplace_back(
      "x-amzn-ErrorType",
      std::string(error_type) + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
  r.headers.emplace_back("x-amzn-RequestId",
                         random_id("", 8) + "-emu0-4000-8000-" + random_id("", 12));
  return r;
}

Reply bedrock_converse(const Inbound& in, const Scenario& s, bool faults, std::string_view model_id,
                       bool stream) {
  if (!in.header("authorization").starts_with("AWS4-HMAC-SHA256")) {
    return bedrock_error(403, "MissingAuthenticationTokenException",
                         "Missing Authentication Token");
  }
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(in.body).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return bedrock_error(400, "ValidationException",
                         "Malformed input request, please reformat your input and try again.");
  }
  auto messages = field(root, "messages");
  if (!messages || !messages->is_array()) {
    return bedrock_error(400, "ValidationException",
                         "1 validation error detected: Value null at 'messages' failed to satisfy "
                         "constraint: Member must not be null");
  }
  RequestFacts facts = bedrock_facts(root, percent_decode(model_id));
  if (faults && s.context) {
    return bedrock_error(400, "ValidationException", "Input is too long for requested model.");
  }
  if (faults && s.status != 0) {
    ErrorKind k = error_kind(s.status);
    return bedrock_error(s.status, k.type, k.message);
  }
  Completion c = plan_completion(facts, s);
  std::string tool_id = c.tool_call ? random_id("tooluse_", 22) : "";
  int64_t latency_ms = 40 + c.completion_tokens * 3;

  Reply r;
  r.headers.emplace_back("x-amzn-RequestId",
                         random_id("", 8) + "-emu0-4000-8000-" + random_id("", 12));
  if (!stream) {
    JsonWriter w;
    w.begin_object().key("output").begin_object().key("message").begin_object();
    w.member("role", "assistant").key("content").begin_array().begin_object();
    if (c.tool_call) {
      w.key("toolUse").begin_object();
      w.member("toolUseId", tool_id).member("name", c.tool_name).key("input").raw(c.tool_args_json);
      w.end_object();
    } else {
      w.member("text", c.text());
    }
    w.end_object().end_array().end_object().end_object();
    w.member("stopReason", stop_reason(c.finish));
    write_usage(w, c);
    w.key("metrics").begin_object().member("latencyMs", latency_ms).end_object();
    w.end_object();
    r.body = w.take();
    if (faults && s.malformed) make_malformed(r);
    return r;
  }

  r.streaming = true;
  r.content_type = "application/vnd.amazon.eventstream";
  auto event = [&](std::string_view type, auto&& write_members) {
    JsonWriter w;
    w.begin_object();
    write_members(w);
    w.member("p", padding()).end_object();
    r.frames.push_back(es::encode_converse_event(type, w.str()));
  };
  event("messageStart", [](JsonWriter& w) { w.member("role", "assistant"); });
  if (c.tool_call) {
    event("contentBlockStart", [&](JsonWriter& w) {
      w.member("contentBlockIndex", 0).key("start").begin_object().key("toolUse").begin_object();
      w.member("toolUseId", tool_id).member("name", c.tool_name).end_object().end_object();
    });
    for (const auto& frag : c.arg_fragments) {
      event("contentBlockDelta", [&](JsonWriter& w) {
        w.member("contentBlockIndex", 0).key("delta").begin_object().key("toolUse").begin_object();
        w.member("input", frag).end_object().end_object();
      });
    }
  } else {
    for (const auto& piece : c.pieces) {
      event("contentBlockDelta", [&](JsonWriter& w) {
        w.member("contentBlockIndex", 0).key("delta").begin_object().member("text", piece);
        w.end_object();
      });
    }
  }
  event("contentBlockStop", [](JsonWriter& w) { w.member("contentBlockIndex", 0); });
  event("messageStop", [&](JsonWriter& w) { w.member("stopReason", stop_reason(c.finish)); });
  event("metadata", [&](JsonWriter& w) {
    write_usage(w, c);
    w.key("metrics").begin_object().member("latencyMs", latency_ms).end_object();
  });
  if (faults && s.error_event) {
    replace_tail_with_error(r, *s.error_event,
                            es::encode_converse_exception(
                                "internalServerException",
                                R"({"message":"The server encountered an internal error."})"));
  }
  if (faults && s.malformed) {
    // A frame whose message CRC does not match, after the first two frames.
    std::size_t at = std::min<std::size_t>(2, r.frames.size());
    std::string broken = r.frames[std::min(at, r.frames.size() - 1)];
    broken.back() = static_cast<char>(broken.back() ^ 0x5A);
    r.frames.insert(r.frames.begin() + static_cast<std::ptrdiff_t>(at), std::move(broken));
  }
  return r;
}

}  // namespace sy::emulator
