// Helpers for OpenAI image_url parts when a provider wants the image in its
// own shape: splitting data: URLs and guessing a media type from a URL.
// Pure functions; thread-safe.
#pragma once

#include <string_view>

namespace sy::providers {

struct DataUrl {
  std::string_view mime_type;  // e.g. "image/png"
  std::string_view base64;     // the payload, still base64-encoded
};

// Splits "data:<mime>;base64,<payload>". False when `url` is not a base64 data URL.
bool parse_data_url(std::string_view url, DataUrl& out);

// A media type from the URL's file extension (query and fragment ignored);
// "image/jpeg" when unknown.
std::string_view guess_mime_type(std::string_view url);

}  // namespace sy::providers
