#include "emulator/reply.h"

#include "emulator/scenario.h"

namespace sy::emulator {

std::string_view Inbound::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

std::string Inbound::query_param(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    std::size_t amp = q.find('&');
    std::string_view item = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    std::size_t eq = item.find('=');
    if (item.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string{} : percent_decode(item.substr(eq + 1));
    }
  }
  return {};
}

}  // namespace sy::emulator
