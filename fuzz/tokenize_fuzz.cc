// libFuzzer target: any byte string must count without crashing, on both encodings, and
// count must agree with encode. Links sy_tokenize.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tokenize/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto encoding : {sy::tokenize::Encoding::kO200kBase, sy::tokenize::Encoding::kCl100kBase}) {
    const sy::tokenize::Tokenizer& tok = sy::tokenize::tokenizer(encoding);
    const size_t count = tok.count(text);
    if (count > size) std::abort();  // every token covers at least one byte
    if (size < 4096 && tok.encode(text).size() != count) std::abort();
  }
  return 0;
}
