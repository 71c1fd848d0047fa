// Prompt token counts for admission (TPM limits, budget reservations):
// exact for OpenAI models (o200k/cl100k with OpenAI's chat overhead), the
// same encoder's count as a documented estimate for other providers.
#pragma once

#include <cstdint>

#include "api/request.h"

namespace sy::server {

int64_t prompt_tokens(const api::Request& req);

}  // namespace sy::server
