// Decides, from a model's catalog quirks and the request, which parameters
// to rename, drop or refuse: e.g. o-series models take max_completion_tokens
// instead of max_tokens and reject temperature/top_p; o1-mini has no system
// role. In reject mode an unsupported parameter is a 400 naming it; in drop
// mode it is removed and listed in `dropped` (sent to the client in
// x-switchyard-dropped-params). Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api/request.h"
#include "catalog/catalog.h"
#include "providers/adapter.h"

namespace sy::server {

struct QuirkPlan {
  providers::ParamQuirks quirks;
  std::vector<std::string> dropped;
};

Expected<QuirkPlan, api::ApiError> plan_quirks(const api::Request& req, const catalog::Quirks& q,
                                               bool reject_unsupported, std::string_view model);

}  // namespace sy::server
