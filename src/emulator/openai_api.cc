#include "emulator/openai_api.h"

#include <cstring>

#include "emulator/faults.h"
#include "emulator/json_read.h"
#include "emulator/json_writer.h"
#include "emulator/synth.h"

namespace sy::emulator {
namespace {

constexpr std::string_view kFingerprint = "fp_emu0a1b2c3d";
constexpr int64_t kMaxEmbeddingInputs = 2048;

const char* finish_name(Finish f) {
  switch (f) {
    case Finish::kStop:
      return "stop";
    case Finish::kLength:
      return "length";
    case Finish::kToolCalls:
      return "tool_calls";
    case Finish::kContentFilter:
      return "content_filter";
    case Finish::kStopSequence:
      return "stop";
  }
  return "stop";
}

void write_usage(JsonWriter& w, int64_t prompt, int64_t completion, bool details) {
  w.key("usage").begin_object();
  w.member("prompt_tokens", prompt)
      .member("completion_tokens", completion)
      .member("total_tokens", prompt + completion);
  if (details) {
    w.key("prompt_tokens_details").begin_object();
    w.member("cached_tokens", 0).member("audio_tokens", 0).end_object();
    w.key("completion_tokens_details").begin_object();
    w.member("reasoning_tokens", 0)
        .member("audio_tokens", 0)
        .member("accepted_prediction_tokens", 0)
        .member("rejected_prediction_tokens", 0)
        .end_object();
  }
  w.end_object();
}

// Reply for a scenario's status=CODE, in OpenAI's words for that status.
Reply status_error(int status, std::string_view model) {
  switch (status) {
    case 401:
      return openai_error(401,
                          "Incorrect API key provided: sk-emu****. You can find your API key "
                          "at https://platform.openai.com/account/api-keys.",
                          "invalid_request_error", "invalid_api_key");
    case 404:
      return openai_error(
          404,
          "The model `" + std::string(model) + "` does not exist or you do not have access to it.",
          "invalid_request_error", "model_not_found");
    case 429:
      return openai_error(429,
                          "Rate limit reached for " + std::string(model) +
                              " in organization org-emulator on requests per min (RPM): Limit "
                              "3, Used 3, Requested 1. Please try again in 20s.",
                          "requests", "rate_limit_exceeded");
    case 503:
      return openai_error(503, "The engine is currently overloaded, please try again later.",
                          "server_error");
    default:
      if (status >= 500) {
        return openai_error(status,
                            "The server had an error while processing your request. Sorry "
                            "about that!",
                            "server_error");
      }
      return openai_error(status, "Emulated error: " + std::string(status_reason(status)) + ".",
                          "invalid_request_error");
  }
}

std::string stream_error_frame() {
  JsonWriter w;
  w.begin_object().key("error").begin_object();
  w.member("message", "The server had an error while processing your request. Sorry about that!")
      .member("type", "server_error")
      .member_null("param")
      .member_null("code")
      .end_object()
      .end_object();
  return sse_data(w.str());
}

void add_common_headers(Reply& r) {
  r.headers.emplace_back("x-request-id", random_id("req_", 32));
  r.headers.emplace_back("openai-version", "2020-10-01");
  r.headers.emplace_back("openai-processing-ms", "7");
  r.headers.emplace_back("openai-organization", "org-emulator");
}

// "Authorization: Bearer <key>", or Azure's "api-key" header.
bool has_credentials(const Inbound& in) {
  std::string_view auth = in.header("authorization");
  if (auth.size() > 7 && strncasecmp(auth.data(), "Bearer ", 7) == 0) return true;
  return !in.header("api-key").empty();
}

// Checks auth and parses the body; on failure returns the error reply.
std::optional<Reply> preflight(const Inbound& in, simdjson::dom::parser& parser, element& root) {
  if (!has_credentials(in)) {
    return openai_error(401,
                        "You didn't provide an API key. You need to provide your API key in an "
                        "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                        "YOUR_KEY), or as the password field (i.e. \"YOUR_KEY:\").",
                        "invalid_request_error");
  }
  if (parser.parse(in.body).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return openai_error(400,
                        "We could not parse the JSON body of your request. (HINT: This likely "
                        "means you aren't using your HTTP library correctly. The OpenAI API "
                        "expects a JSON payload, but what was sent was not valid JSON.",
                        "invalid_request_error");
  }
  if (string_field(root, "model").empty()) {
    return openai_error(400, "you must provide a model parameter", "invalid_request_error");
  }
  return std::nullopt;
}

std::optional<Reply> scenario_error(const Scenario& s, bool faults, const RequestFacts& facts,
                                    std::string_view param) {
  if (!faults) return std::nullopt;
  if (s.context) {
    int64_t tokens = prompt_tokens_for_words(facts.prompt_words) + 128000;
    return openai_error(400,
                        "This model's maximum context length is 128000 tokens. However, your "
                        "messages resulted in " +
                            std::to_string(tokens) +
                            " tokens. Please reduce the length of the messages.",
                        "invalid_request_error", "context_length_exceeded", param);
  }
  if (s.status != 0) return status_error(s.status, facts.model);
  return std::nullopt;
}

void apply_stream_faults(Reply& r, const Scenario& s, bool faults) {
  if (!faults) return;
  if (s.error_event) replace_tail_with_error(r, *s.error_event, stream_error_frame());
  if (s.malformed) make_malformed(r);
}

RequestFacts chat_facts(element root) {
  RequestFacts f;
  f.model = string_field(root, "model");
  f.stream = bool_field(root, "stream");
  if (auto so = field(root, "stream_options")) f.include_usage = bool_field(*so, "include_usage");
  f.max_tokens = int_field(root, "max_completion_tokens");
  if (!f.max_tokens) f.max_tokens = int_field(root, "max_tokens");
  if (auto messages = field(root, "messages")) {
    f.prompt_words = prompt_words_in(*messages);
    simdjson::dom::array arr;
    if (messages->get_array().get(arr) == simdjson::SUCCESS) {
      for (element m : arr) {
        if (string_field(m, "role") == "user") {
          if (auto c = field(m, "content")) f.last_user_text = content_text(*c);
        }
      }
    }
  }
  if (auto tools = field(root, "tools")) {
    simdjson::dom::array arr;
    if (tools->get_array().get(arr) == simdjson::SUCCESS && arr.size() > 0) {
      element first = arr.at(0).value_unsafe();
      auto fn = field(first, "function");
      f.has_tools = fn.has_value();
      if (fn) {
        f.tool_name = string_field(*fn, "name", "tool");
        if (auto params = field(*fn, "parameters")) f.tool_arg_name = first_property(*params);
      }
    }
  }
  if (auto stop = field(root, "stop")) {
    std::string_view sv;
    if (stop->get_string().get(sv) == simdjson::SUCCESS) {
      f.stop_sequence = std::string(sv);
    } else if (stop->is_array()) {
      simdjson::dom::array arr = stop->get_array().value_unsafe();
      if (arr.size() > 0 && arr.at(0).get_string().get(sv) == simdjson::SUCCESS) {
        f.stop_sequence = std::string(sv);
      }
    }
  }
  return f;
}

}  // namespace

Reply openai_error(int status, std::string_view message, std::string_view type,
                   std::string_view code, std::string_view param) {
  JsonWriter w;
  w.begin_object().key("error").begin_object();
  w.member("message", message).member("type", type);
  if (param.empty())
    w.member_null("param");
  else
    w.member("param", param);
  if (code.empty())
    w.member_null("code");
  else
    w.member("code", code);
  w.end_object().end_object();
  Reply r = json_reply(status, w.take());
  add_common_headers(r);
  return r;
}

Reply openai_chat_completions(const Inbound& in, const Scenario& s, bool faults) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = preflight(in, parser, root)) return std::move(*err);
  if (!field(root, "messages")) {
    return openai_error(400, "Missing required parameter: 'messages'.", "invalid_request_error",
                        "missing_required_parameter", "messages");
  }
  RequestFacts facts = chat_facts(root);
  if (auto err = scenario_error(s, faults, facts, "messages")) return std::move(*err);
  Completion c = plan_completion(facts, s);
  std::string id = random_id("chatcmpl-", 29);
  int64_t created = unix_seconds();
  std::string call_id = c.tool_call ? random_id("call_", 24) : "";

  Reply r;
  add_common_headers(r);
  if (!facts.stream) {
    JsonWriter w;
    w.begin_object()
        .member("id", id)
        .member("object", "chat.completion")
        .member("created", created)
        .member("model", facts.model);
    w.key("choices").begin_array().begin_object().member("index", 0);
    w.key("message").begin_object().member("role", "assistant");
    if (c.tool_call) {
      w.member_null("content");
      w.key("tool_calls").begin_array().begin_object();
      w.member("id", call_id).member("type", "function");
      w.key("function").begin_object();
      w.member("name", c.tool_name).member("arguments", c.tool_args_json).end_object();
      w.end_object().end_array();
    } else {
      w.member("content", c.text());
    }
    w.member_null("refusal").key("annotations").begin_array().end_array();
    w.end_object();
    w.member_null("logprobs").member("finish_reason", finish_name(c.finish));
    w.end_object().end_array();
    write_usage(w, c.prompt_tokens, c.completion_tokens, true);
    w.member("service_tier", "default").member("system_fingerprint", kFingerprint).end_object();
    r.body = w.take();
    if (faults && s.malformed) make_malformed(r);
    return r;
  }

  r.streaming = true;
  r.content_type = "text/event-stream; charset=utf-8";
  auto chunk = [&](auto&& write_delta, const char* finish) {
    JsonWriter w;
    w.begin_object()
        .member("id", id)
        .member("object", "chat.completion.chunk")
        .member("created", created)
        .member("model", facts.model)
        .member("service_tier", "default")
        .member("system_fingerprint", kFingerprint);
    w.key("choices").begin_array().begin_object().member("index", 0);
    w.key("delta").begin_object();
    write_delta(w);
    w.end_object().member_null("logprobs");
    if (finish)
      w.member("finish_reason", finish);
    else
      w.member_null("finish_reason");
    w.end_object().end_array();
    if (facts.include_usage) w.member_null("usage");
    w.end_object();
    r.frames.push_back(sse_data(w.str()));
  };
  if (c.tool_call) {
    chunk(
        [&](JsonWriter& w) {
          w.member("role", "assistant").member_null("content");
          w.key("tool_calls").begin_array().begin_object().member("index", 0);
          w.member("id", call_id).member("type", "function");
          w.key("function").begin_object().member("name", c.tool_name).member("arguments", "");
          w.end_object().end_object().end_array();
          w.member_null("refusal");
        },
        nullptr);
    for (const auto& frag : c.arg_fragments) {
      chunk(
          [&](JsonWriter& w) {
            w.key("tool_calls").begin_array().begin_object().member("index", 0);
            w.key("function").begin_object().member("arguments", frag).end_object();
            w.end_object().end_array();
          },
          nullptr);
    }
  } else {
    chunk(
        [](JsonWriter& w) {
          w.member("role", "assistant").member("content", "").member_null("refusal");
        },
        nullptr);
    for (const auto& piece : c.pieces) {
      chunk([&](JsonWriter& w) { w.member("content", piece); }, nullptr);
    }
  }
  chunk([](JsonWriter&) {}, finish_name(c.finish));
  if (facts.include_usage) {
    JsonWriter w;
    w.begin_object()
        .member("id", id)
        .member("object", "chat.completion.chunk")
        .member("created", created)
        .member("model", facts.model)
        .member("service_tier", "default")
        .member("system_fingerprint", kFingerprint);
    w.key("choices").begin_array().end_array();
    write_usage(w, c.prompt_tokens, c.completion_tokens, true);
    w.end_object();
    r.frames.push_back(sse_data(w.str()));
  }
  r.frames.push_back(sse_data("[DONE]"));
  apply_stream_faults(r, s, faults);
  return r;
}

Reply openai_completions(const Inbound& in, const Scenario& s, bool faults) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = preflight(in, parser, root)) return std::move(*err);
  auto prompt = field(root, "prompt");
  if (!prompt) {
    return openai_error(400, "Missing required parameter: 'prompt'.", "invalid_request_error",
                        "missing_required_parameter", "prompt");
  }
  RequestFacts facts;
  facts.model = string_field(root, "model");
  facts.stream = bool_field(root, "stream");
  if (auto so = field(root, "stream_options"))
    facts.include_usage = bool_field(*so, "include_usage");
  facts.max_tokens = int_field(root, "max_tokens");
  if (!facts.max_tokens) facts.max_tokens = 16;  // the legacy endpoint's documented default
  facts.prompt_words = prompt_words_in(*prompt);
  std::string_view sv;
  if (prompt->get_string().get(sv) == simdjson::SUCCESS) {
    facts.last_user_text = std::string(sv);
  } else if (prompt->is_array()) {
    simdjson::dom::array arr = prompt->get_array().value_unsafe();
    if (arr.size() > 0 && arr.at(0).get_string().get(sv) == simdjson::SUCCESS) {
      facts.last_user_text = std::string(sv);
    }
  }
  if (auto err = scenario_error(s, faults, facts, "prompt")) return std::move(*err);
  Scenario text_only = s;
  text_only.tool = false;
  Completion c = plan_completion(facts, text_only);
  std::string id = random_id("cmpl-", 29);
  int64_t created = unix_seconds();

  Reply r;
  add_common_headers(r);
  auto body = [&](auto&& write_choices, bool usage, bool usage_null) {
    JsonWriter w;
    w.begin_object()
        .member("id", id)
        .member("object", "text_completion")
        .member("created", created)
        .member("model", facts.model)
        .member("system_fingerprint", kFingerprint);
    w.key("choices").begin_array();
    write_choices(w);
    w.end_array();
    if (usage)
      write_usage(w, c.prompt_tokens, c.completion_tokens, false);
    else if (usage_null)
      w.member_null("usage");
    w.end_object();
    return w.take();
  };
  auto choice = [](JsonWriter& w, std::string_view text, const char* finish) {
    w.begin_object().member("text", text).member("index", 0).member_null("logprobs");
    if (finish)
      w.member("finish_reason", finish);
    else
      w.member_null("finish_reason");
    w.end_object();
  };
  if (!facts.stream) {
    r.body = body([&](JsonWriter& w) { choice(w, c.text(), finish_name(c.finish)); }, true, false);
    if (faults && s.malformed) make_malformed(r);
    return r;
  }
  r.streaming = true;
  r.content_type = "text/event-stream; charset=utf-8";
  for (const auto& piece : c.pieces) {
    r.frames.push_back(sse_data(
        body([&](JsonWriter& w) { choice(w, piece, nullptr); }, false, facts.include_usage)));
  }
  r.frames.push_back(sse_data(body([&](JsonWriter& w) { choice(w, "", finish_name(c.finish)); },
                                   false, facts.include_usage)));
  if (facts.include_usage) r.frames.push_back(sse_data(body([](JsonWriter&) {}, true, false)));
  r.frames.push_back(sse_data("[DONE]"));
  apply_stream_faults(r, s, faults);
  return r;
}

Reply openai_embeddings(const Inbound& in, const Scenario& s, bool faults) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = preflight(in, parser, root)) return std::move(*err);
  auto input = field(root, "input");
  if (!input) {
    return openai_error(400, "Missing required parameter: 'input'.", "invalid_request_error",
                        "missing_required_parameter", "input");
  }
  RequestFacts facts;
  facts.model = string_field(root, "model");
  facts.prompt_words = prompt_words_in(*input);
  if (auto err = scenario_error(s, faults, facts, "input")) return std::move(*err);

  int default_dims = facts.model.find("3-large") != std::string::npos ? 3072 : 1536;
  int64_t dims = int_field(root, "dimensions").value_or(default_dims);
  if (dims < 1 || dims > 8192) {
    return openai_error(400, "Invalid value for 'dimensions': must be between 1 and 8192.",
                        "invalid_request_error", "invalid_value", "dimensions");
  }
  std::string format = string_field(root, "encoding_format", "float");
  if (format != "float" && format != "base64") {
    return openai_error(400, "Invalid value for 'encoding_format': must be 'float' or 'base64'.",
                        "invalid_request_error", "invalid_value", "encoding_format");
  }
  // Each input as text; token arrays are hashed by their JSON form.
  std::vector<std::string> texts;
  std::string_view sv;
  if (input->get_string().get(sv) == simdjson::SUCCESS) {
    texts.emplace_back(sv);
  } else if (input->is_array()) {
    simdjson::dom::array arr = input->get_array().value_unsafe();
    bool all_numbers = arr.size() > 0;
    for (element e : arr) all_numbers = all_numbers && e.is_number();
    if (all_numbers) {
      texts.push_back(simdjson::to_string(*input));
    } else {
      for (element e : arr) {
        if (e.get_string().get(sv) == simdjson::SUCCESS)
          texts.emplace_back(sv);
        else
          texts.push_back(simdjson::to_string(e));
      }
    }
  }
  if (texts.empty() || static_cast<int64_t>(texts.size()) > kMaxEmbeddingInputs) {
    return openai_error(400,
                        "'input' must be a non-empty string or an array of at most 2048 inputs.",
                        "invalid_request_error", "invalid_value", "input");
  }
  int64_t tokens = prompt_tokens_for_words(facts.prompt_words);
  JsonWriter w;
  w.begin_object().member("object", "list").key("data").begin_array();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::vector<float> v = embedding_for(texts[i], static_cast<int>(dims));
    w.begin_object().member("object", "embedding").member("index", static_cast<int64_t>(i));
    if (format == "base64") {
      std::string bytes(v.size() * sizeof(float), '\0');
      std::memcpy(bytes.data(), v.data(), bytes.size());  // little-endian host
      w.member("embedding", base64_encode(bytes));
    } else {
      w.key("embedding").begin_array();
      for (float x : v) w.number(static_cast<double>(x));
      w.end_array();
    }
    w.end_object();
  }
  w.end_array().member("model", facts.model);
  w.key("usage").begin_object().member("prompt_tokens", tokens).member("total_tokens", tokens);
  w.end_object().end_object();
  Reply r = json_reply(200, w.take());
  add_common_headers(r);
  if (faults && s.malformed) make_malformed(r);
  return r;
}

Reply openai_models(const Inbound& in, std::string_view model_id) {
  struct Model {
    const char* id;
    int64_t created;
    const char* owner;
  };
  static constexpr Model kModels[] = {
      {"gpt-4o", 1715367049, "system"},
      {"gpt-4o-mini", 1721172741, "system"},
      {"gpt-4.1", 1744316542, "system"},
      {"gpt-4.1-mini", 1744318173, "system"},
      {"o3-mini", 1737146383, "system"},
      {"gpt-3.5-turbo-instruct", 1692901427, "system"},
      {"text-embedding-3-small", 1705948997, "system"},
      {"text-embedding-3-large", 1705953180, "system"},
      {"text-embedding-ada-002", 1671217299, "openai-internal"},
  };
  if (!has_credentials(in)) {
    return openai_error(401, "You didn't provide an API key.", "invalid_request_error");
  }
  auto write_model = [](JsonWriter& w, const Model& m) {
    w.begin_object()
        .member("id", m.id)
        .member("object", "model")
        .member("created", m.created)
        .member("owned_by", m.owner)
        .end_object();
  };
  JsonWriter w;
  if (!model_id.empty()) {
    for (const auto& m : kModels) {
      if (model_id == m.id) {
        write_model(w, m);
        return json_reply(200, w.take());
      }
    }
    return openai_error(404, "The model '" + std::string(model_id) + "' does not exist",
                        "invalid_request_error", "model_not_found", "model");
  }
  w.begin_object().member("object", "list").key("data").begin_array();
  for (const auto& m : kModels) write_model(w, m);
  w.end_array().end_object();
  Reply r = json_reply(200, w.take());
  add_common_headers(r);
  return r;
}

}  // namespace sy::emulator
