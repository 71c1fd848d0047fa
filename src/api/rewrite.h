// Builds the body sent to an OpenAI-format upstream by splicing the client's
// bytes: the model value is replaced and, for streams, stream_options is set
// so usage is always reported. The gateway's own request fields — "models"
// (request-level fallbacks) and "route" (auto-routing constraints) — are
// removed. Everything else is forwarded byte for byte.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/request.h"

namespace sy::api {

struct RewriteOptions {
  std::string_view upstream_model;  // replaces the value of "model"
  bool force_include_usage = false;  // set stream_options.include_usage = true
  // Model quirks: top-level parameters renamed ({from, to}; skipped when
  // `to` is already present) or removed, and system/developer messages folded
  // into the first user message for models without a system role.
  std::vector<std::pair<std::string, std::string>> renames;
  std::vector<std::string> drops;
  bool fold_system = false;
};

std::string rewrite_body(const Request& req, const RewriteOptions& opts);

}  // namespace sy::api
