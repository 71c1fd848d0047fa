#include "emulator/gemini_api.h"

#include "emulator/faults.h"
#include "emulator/json_read.h"
#include "emulator/json_writer.h"
#include "emulator/synth.h"

namespace sy::emulator {
namespace {

std::string_view status_name(int status) {
  switch (status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ABORTED";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 499:
      return "CANCELLED";
    case 500:
      return "INTERNAL";
    case 501:
      return "NOT_IMPLEMENTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
  }
}

std::string_view message_for(int status) {
  switch (status) {
    case 400:
      return "Request contains an invalid argument.";
    case 403:
      return "The caller does not have permission";
    case 404:
      return "Requested entity was not found.";
    case 429:
      return "Resource has been exhausted (e.g. check quota).";
    case 503:
      return "The model is overloaded. Please try again later.";
    case 504:
      return "Deadline expired before operation could complete.";
    default:
      return status >= 500 ? "An internal error has occurred. Please retry or report in "
                             "https://developers.generativeai.google/guide/troubleshooting"
                           : "Precondition check failed.";
  }
}

std::string error_json(int status, std::string_view message) {
  JsonWriter w;
  w.begin_object().key("error").begin_object();
  w.member("code", status).member("message", message).member("status", status_name(status));
  w.end_object().end_object();
  return w.take();
}

const char* finish_name(Finish f) {
  switch (f) {
    case Finish::kLength:
      return "MAX_TOKENS";
    case Finish::kContentFilter:
      return "SAFETY";
    default:
      return "STOP";
  }
}

RequestFacts gemini_facts(element root, std::string_view model) {
  RequestFacts f;
  f.model = std::string(model);
  if (auto contents = field(root, "contents")) {
    f.prompt_words = prompt_words_in(*contents);
    simdjson::dom::array arr;
    if (contents->get_array().get(arr) == simdjson::SUCCESS) {
      for (element c : arr) {
        std::string role = string_field(c, "role", "user");
        if (role != "user") continue;
        if (auto parts = field(c, "parts")) f.last_user_text = content_text(*parts);
      }
    }
  }
  if (auto sys = field(root, "systemInstruction")) f.prompt_words += prompt_words_in(*sys);
  if (auto cfg = field(root, "generationConfig")) {
    f.max_tokens = int_field(*cfg, "maxOutputTokens");
    if (auto stops = field(*cfg, "stopSequences")) {
      simdjson::dom::array arr;
      std::string_view sv;
      if (stops->get_array().get(arr) == simdjson::SUCCESS && arr.size() > 0 &&
          arr.at(0).get_string().get(sv) == simdjson::SUCCESS) {
        f.stop_sequence = std::string(sv);
      }
    }
  }
  if (auto tools = field(root, "tools")) {
    simdjson::dom::array arr;
    if (tools->get_array().get(arr) == simdjson::SUCCESS) {
      for (element t : arr) {
        auto decls = field(t, "functionDeclarations");
        simdjson::dom::array darr;
        if (!decls || decls->get_array().get(darr) != simdjson::SUCCESS || darr.size() == 0) {
          continue;
        }
        element first = darr.at(0).value_unsafe();
        f.has_tools = true;
        f.tool_name = string_field(first, "name", "tool");
        if (auto params = field(first, "parameters")) f.tool_arg_name = first_property(*params);
        break;
      }
    }
  }
  return f;
}

}  // namespace

Reply gemini_error(int status, std::string_view message) {
  Reply r = json_reply(status, error_json(status, message));
  r.content_type = "application/json; charset=UTF-8";
  return r;
}

Reply gemini_generate(const Inbound& in, const Scenario& s, bool faults, std::string_view model,
                      bool stream) {
  if (in.header("x-goog-api-key").empty() && in.query_param("key").empty() &&
      in.header("authorization").empty()) {
    return gemini_error(403,
                        "Method doesn't allow unregistered callers (callers without established "
                        "identity). Please use API Key or other form of API consumer identity to "
                        "call this API.");
  }
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(in.body).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return gemini_error(400, "Invalid JSON payload received.");
  }
  auto contents = field(root, "contents");
  if (!contents || !contents->is_array()) {
    return gemini_error(400, "* GenerateContentRequest.contents: contents is not specified\n");
  }
  RequestFacts facts = gemini_facts(root, model);
  if (faults && s.context) {
    return gemini_error(400,
                        "The input token count (" +
                            std::to_string(prompt_tokens_for_words(facts.prompt_words) + 1048576) +
                            ") exceeds the maximum number of tokens allowed (1048576).");
  }
  if (faults && s.status != 0) return gemini_error(s.status, message_for(s.status));

  Completion c = plan_completion(facts, s);
  std::string response_id = random_id("", 22);
  // One GenerateContentResponse: `parts_json` is the parts array's content.
  auto response = [&](auto&& write_parts, const char* finish, int64_t candidates_tokens) {
    JsonWriter w;
    w.begin_object().key("candidates").begin_array().begin_object();
    bool blocked = finish && std::string_view(finish) == "SAFETY";
    w.key("content").begin_object().key("parts").begin_array();
    write_parts(w);
    w.end_array().member("role", "model").end_object();
    if (finish) w.member("finishReason", finish);
    if (blocked) {
      w.key("safetyRatings").begin_array().begin_object();
      w.member("category", "HARM_CATEGORY_DANGEROUS_CONTENT")
          .member("probability", "HIGH")
          .member("blocked", true)
          .end_object()
          .end_array();
    }
    w.member("index", 0).end_object().end_array();
    w.key("usageMetadata").begin_object().member("promptTokenCount", c.prompt_tokens);
    if (finish) w.member("candidatesTokenCount", candidates_tokens);
    w.member("totalTokenCount", c.prompt_tokens + (finish ? candidates_tokens : 0));
    w.key("promptTokensDetails").begin_array().begin_object();
    w.member("modality", "TEXT").member("tokenCount", c.prompt_tokens).end_object().end_array();
    w.end_object();
    w.member("modelVersion", facts.model).member("responseId", response_id).end_object();
    return w.take();
  };
  auto function_call = [&](JsonWriter& w) {
    w.begin_object().key("functionCall").begin_object();
    w.member("name", c.tool_name).key("args").raw(c.tool_args_json);
    w.end_object().end_object();
  };
  auto text_part = [](JsonWriter& w, std::string_view text) {
    w.begin_object().member("text", text).end_object();
  };
  const char* finish = finish_name(c.finish);

  Reply r;
  r.content_type = "application/json; charset=UTF-8";
  if (!stream) {
    if (c.tool_call) {
      r.body = response(function_call, finish, c.completion_tokens);
    } else {
      r.body =
          response([&](JsonWriter& w) { text_part(w, c.text()); }, finish, c.completion_tokens);
    }
    if (faults && s.malformed) make_malformed(r);
    return r;
  }

  std::vector<std::string> events;
  if (c.tool_call) {
    events.push_back(response(function_call, finish, c.completion_tokens));
  } else if (c.pieces.empty()) {
    events.push_back(response([&](JsonWriter& w) { text_part(w, ""); }, finish, 0));
  } else {
    for (std::size_t i = 0; i < c.pieces.size(); ++i) {
      bool last = i + 1 == c.pieces.size();
      events.push_back(response([&](JsonWriter& w) { text_part(w, c.pieces[i]); },
                                last ? finish : nullptr, c.completion_tokens));
    }
  }
  r.streaming = true;
  bool sse = in.query_param("alt") == "sse";
  std::string error = error_json(500, message_for(500));
  if (sse) {
    r.content_type = "text/event-stream";
    for (const auto& e : events) r.frames.push_back("data: " + e + "\r\n\r\n");
    if (faults && s.error_event) {
      replace_tail_with_error(r, *s.error_event, "data: " + error + "\r\n\r\n");
    }
  } else {
    // A JSON array of responses, element by element.
    for (std::size_t i = 0; i < events.size(); ++i) {
      r.frames.push_back((i == 0 ? "[" : ",\r\n") + events[i]);
    }
    if (faults && s.error_event) {
      replace_tail_with_error(r, *s.error_event, (*s.error_event == 0 ? "[" : ",\r\n") + error);
    }
    r.frames.push_back("]");
  }
  if (faults && s.malformed) make_malformed(r);
  return r;
}

}  // namespace sy::emulator
