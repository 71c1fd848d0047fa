// OpenAI wire format: POST /v1/chat/completions, POST /v1/completions,
// POST /v1/embeddings, GET /v1/models[/{id}]. Requires an
// "Authorization: Bearer ..." header (401 otherwise). Errors use OpenAI's
// {"error":{"message","type","param","code"}} shape. Pure functions.
#pragma once

#include <string_view>

#include "emulator/reply.h"
#include "emulator/scenario.h"

namespace sy::emulator {

// `faults` is false when the scenario's `times` budget is spent.
Reply openai_chat_completions(const Inbound& in, const Scenario& s, bool faults);
Reply openai_completions(const Inbound& in, const Scenario& s, bool faults);
Reply openai_embeddings(const Inbound& in, const Scenario& s, bool faults);
Reply openai_models(const Inbound& in, std::string_view model_id /* "" = list */);

// An error reply in OpenAI's shape; code/param empty → null.
Reply openai_error(int status, std::string_view message, std::string_view type,
                   std::string_view code = {}, std::string_view param = {});

}  // namespace sy::emulator
