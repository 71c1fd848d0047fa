// Prompt token counts for admission (TPM limits, budget reservations):
// exact for OpenAI models (o200k/cl100k with OpenAI's chat overhead), the
// same encoder's count as a documented estimate for other providers.
//
// prompt_tokens_upper_bound() is the same count without the tokenizer: every
// text counted by its byte length (a BPE token encodes at least one byte), so
// it is never below prompt_tokens() and costs one walk over the parsed JSON.
//
// routing_prompt_tokens() is the count a routing plan needs: the upper bound
// when no routing outcome can depend on the difference — the table has no
// least-cost group and no rpm/tpm cap (RoutingTable::prompt_count_matters()),
// and bound + max_tokens fits the smallest known context window, so every
// context-window check passes for the bound exactly as for the exact count —
// else prompt_tokens(). Budget reservations (governance) and usage estimates
// must keep calling prompt_tokens().
//
// Pure functions of the request; thread-safe.
#pragma once

#include <cstdint>

#include "api/request.h"
#include "routing/table.h"
#include "tokenize/tokenizer.h"

namespace sy::server {

// With the encoding of the requested model.
int64_t prompt_tokens(const api::Request& req);
// With a given encoding (auto-routing counts per candidate model).
int64_t prompt_tokens(const api::Request& req, tokenize::Encoding enc);

int64_t prompt_tokens_upper_bound(const api::Request& req);

int64_t routing_prompt_tokens(const api::Request& req, const routing::RoutingTable& table);

}  // namespace sy::server
