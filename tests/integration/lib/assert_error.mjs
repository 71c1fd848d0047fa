// Assertions on OpenAI-shaped errors: {"error":{"message","type","param","code"}}.
import assert from 'node:assert/strict';
import OpenAI from 'openai';

// Checks a parsed error body has OpenAI's shape and returns body.error.
export function assertErrorShape(body) {
  assert.ok(body && typeof body === 'object', 'error body is a JSON object');
  assert.deepEqual(Object.keys(body), ['error']);
  const e = body.error;
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 0, 'error.message is not empty');
  assert.equal(typeof e.type, 'string');
  assert.ok('param' in e, 'error.param is present (string or null)');
  assert.ok('code' in e, 'error.code is present (string or null)');
  assert.ok(e.param === null || typeof e.param === 'string');
  assert.ok(e.code === null || typeof e.code === 'string');
  return e;
}

// Awaits a client call that must fail with an APIError; checks the fields
// given in `expected` ({status, code, param, type, message: RegExp}).
export async function expectApiError(promise, expected) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'the call must fail');
  assert.ok(err instanceof OpenAI.APIError, `expected an APIError, got ${err}`);
  if ('status' in expected) assert.equal(err.status, expected.status, err.message);
  if ('code' in expected) assert.equal(err.code, expected.code, err.message);
  if ('param' in expected) assert.equal(err.param, expected.param, err.message);
  if ('type' in expected) assert.equal(err.type, expected.type, err.message);
  if ('message' in expected) assert.match(err.message, expected.message);
  if (err.status) assertErrorShape({error: err.error});
  return err;
}

// POSTs `body` (a string, sent as is) and returns {res, error} where error is
// the checked `error` object of the JSON body.
export async function postRaw(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {'content-type': 'application/json', ...headers},
    body,
    signal: AbortSignal.timeout(10000),
  });
  const text = await res.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    assert.fail(`status ${res.status}: body is not JSON: ${text.slice(0, 500)}`);
  }
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return {res, error: assertErrorShape(parsed)};
}
