// Token usage of one upstream answer, as the provider reported it.
#pragma once

#include <cstdint>

namespace sy::api {

struct Usage {
  bool known = false;                 // false until a provider reported usage
  int64_t prompt_tokens = 0;          // all input tokens, cached ones included
  int64_t completion_tokens = 0;      // all output tokens, reasoning included
  int64_t cached_tokens = 0;          // input tokens read from the provider's cache
  int64_t cache_creation_tokens = 0;  // input tokens written to the cache (Anthropic)
  int64_t reasoning_tokens = 0;       // output tokens spent on hidden reasoning
  int64_t total() const { return prompt_tokens + completion_tokens; }
};

}  // namespace sy::api
