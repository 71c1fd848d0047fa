#include "providers/image_url.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace sy::providers {

bool parse_data_url(std::string_view url, DataUrl& out) {
  constexpr std::string_view kPrefix = "data:";
  if (url.size() < kPrefix.size() || url.substr(0, kPrefix.size()) != kPrefix) return false;
  url.remove_prefix(kPrefix.size());
  const auto comma = url.find(',');
  if (comma == std::string_view::npos) return false;
  std::string_view meta = url.substr(0, comma);
  constexpr std::string_view kBase64 = ";base64";
  if (meta.size() < kBase64.size() || meta.substr(meta.size() - kBase64.size()) != kBase64)
    return false;
  meta.remove_suffix(kBase64.size());
  if (const auto semi = meta.find(';'); semi != std::string_view::npos) meta = meta.substr(0, semi);
  out.mime_type = meta.empty() ? std::string_view("image/jpeg") : meta;
  out.base64 = url.substr(comma + 1);
  return true;
}

std::string_view guess_mime_type(std::string_view url) {
  if (const auto q = url.find_first_of("?#"); q != std::string_view::npos) url = url.substr(0, q);
  const auto dot = url.rfind('.');
  const auto slash = url.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
    return "image/jpeg";
  std::string ext(url.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == "png") return "image/png";
  if (ext == "gif") return "image/gif";
  if (ext == "webp") return "image/webp";
  if (ext == "heic") return "image/heic";
  if (ext == "heif") return "image/heif";
  if (ext == "pdf") return "application/pdf";
  return "image/jpeg";
}

}  // namespace sy::providers
