// POST /v1/route/explain: the routing plan (and, for "auto", the policy's
// decision) for a chat body, nothing sent upstream. Asserts a 200 and
// returns the parsed JSON. Bounded by a 5 s timeout.
import assert from 'node:assert/strict';

export async function routeExplain(url, body, headers = {}) {
  const res = await fetch(`${url}/v1/route/explain`, {
    method: 'POST',
    headers: {'content-type': 'application/json', ...headers},
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text);
}
