// Fuzzes parse_request for every endpoint with arbitrary bytes and, when a
// body parses, rewrite_body with and without forced usage. Invariants: errors
// are 400s with a message; a rewritten body parses again, carries
// the new model, and asks for usage when forced; with model quirks it is
// still a JSON object. Links sy_api.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include <simdjson.h>

#include "api/error.h"
#include "api/request.h"
#include "api/rewrite.h"

namespace {

using sy::api::Endpoint;

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr std::string_view kNewModel = "fuzz\"model\\\x01\xc3\xa9";

void rewrite_and_reparse(Endpoint endpoint, const sy::api::Request& req) {
  for (bool force : {false, true}) {
    std::string out = sy::api::rewrite_body(req, {kNewModel, force});
    auto again = sy::api::parse_request(endpoint, out);
    check(again.has_value());
    check(again->model() == kNewModel);
    check(again->stream() == req.stream());
    if (force) check(again->include_usage());
    if (!force) check(again->include_usage() == req.include_usage());
  }
  // Model quirks (renames, drops, folded system messages): the result must
  // stay valid JSON; its request-level validity depends on the messages.
  sy::api::RewriteOptions quirks;
  quirks.upstream_model = kNewModel;
  quirks.force_include_usage = true;
  quirks.renames = {{"max_tokens", "max_completion_tokens"}, {"user", "metadata"}};
  quirks.drops = {"temperature", "stream_options"};
  quirks.fold_system = true;
  std::string out = sy::api::rewrite_body(req, quirks);
  thread_local simdjson::dom::parser json;
  simdjson::dom::element root;
  check(json.parse(out).get(root) == simdjson::SUCCESS);
  check(root.is_object());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (Endpoint endpoint : {Endpoint::kChatCompletions, Endpoint::kCompletions,
                            Endpoint::kEmbeddings, Endpoint::kMessages}) {
    auto parsed = sy::api::parse_request(endpoint, std::string(input));
    if (!parsed) {
      const sy::api::ApiError& e = parsed.error();
      check(e.status == 400);
      check(!e.message.empty());
      (void)sy::api::error_body(e);
      continue;
    }
    // Moving must keep the DOM usable (root() is read by rewrite_body).
    sy::api::Request req = std::move(parsed).value();
    check(!req.model().empty());
    check(req.model_span().present());
    check(req.model_span().end <= req.body().size());
    check(req.body()[req.model_span().begin] == '"');
    if (req.max_tokens()) check(*req.max_tokens() >= 1);
    rewrite_and_reparse(endpoint, req);
  }
  return 0;
}
