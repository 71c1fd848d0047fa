// Fuzzes the Gemini SSE → OpenAI chunk transcoder with arbitrary bytes fed in
// pieces whose sizes come from the input itself (first byte seeds the split).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/request.h"
#include "providers/gemini/stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 64;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  sy::providers::gemini::GeminiStreamTranscoder t("fuzz-model", /*client_wants_usage=*/true,
                                                  sy::providers::default_id_source());
  std::string out;
  bool ok = true;
  for (std::size_t i = 0; i < body.size() && ok; i += step) {
    ok = t.feed(body.substr(i, step), out).has_value();
    if (out.size() > (1u << 20)) out.clear();
  }
  if (ok) (void)t.finish(out);
  return 0;
}
