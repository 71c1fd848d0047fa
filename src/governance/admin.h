// The admin API as a pure function from request to response: no sockets, so
// the server calls it from its session and tests call it directly.
//
// Every request must carry `Authorization: Bearer <admin_key>` (compared in
// constant time); otherwise 401 with a body that reveals nothing else (not
// even whether the path exists). An empty admin_key disables the admin API
// (every request 401).
//
// Routes (JSON in and out; errors in OpenAI's shape, 400 naming the field):
//   POST   /admin/keys               → 201 record + "key" (the secret, only here)
//   GET    /admin/keys               → {"object":"list","data":[record…]}
//   GET    /admin/keys/{id}          → record
//   PATCH  /admin/keys/{id}          → record (fields as in create, minus credits_usd)
//   DELETE /admin/keys/{id}          → record (revoked: true)
//   POST   /admin/keys/{id}/credits  {"amount_usd": N > 0} → record
//   GET    /admin/usage?from=&to=&group_by=key|model|provider|day[&key_id=]
//          from/to: unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC);
//          to is exclusive. Totals are exact sums of the ledger rows.
// Record: id, name, key_prefix, models, rpm, tpm, max_parallel, budget_usd
// (null = none), budget_period, spent_usd, credits_usd (null = not prepaid),
// expires_at (unix seconds or null), revoked, metadata, created_at.
// Thread-safe as KeyService and Ledger are; blocks on store I/O.
#pragma once

#include <string>

#include "governance/admission.h"
#include "governance/key_service.h"
#include "store/ledger.h"

namespace sy::governance {

struct AdminRequest {
  std::string method;  // "GET", "POST", …
  std::string path;    // "/admin/keys/key_123" (no query)
  std::string query;   // "from=…&to=…" (without '?')
  std::string body;
  std::string authorization;  // the Authorization header value
};

struct AdminResponse {
  int status = 200;
  std::string body;  // JSON
  Headers headers;   // content-type included
};

struct AdminContext {
  std::string admin_key;
  KeyService& keys;
  store::Ledger& ledger;
};

inline constexpr size_t kMaxAdminBodyBytes = 64 * 1024;

AdminResponse handle_admin(const AdminRequest& request, AdminContext& context);

}  // namespace sy::governance
