// Observability through the real gateway (issue 7): GET /metrics parsed by a
// strict Prometheus text-format 0.0.4 parser (lib/prometheus.mjs) with
// counters moving for success, failure, retry and fallback; the JSON access
// log (one line per request, key id but never key material, no prompt or
// completion text by default); W3C traceparent continued, generated or
// replaced, asserted from the emulator's request log. Every upstream is an
// emulator scenario with its own tag; every wait is bounded.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {Emulator} from './lib/emulator.mjs';
import {baseConfig, emulatorProvider, Gateway} from './lib/gateway.mjs';
import {
  AdminClient,
  chat,
  costMicros,
  freshStorePath,
  newAdminKey,
  OutputCapture,
  waitUntil,
} from './lib/governance_helpers.mjs';
import {findSamples, parsePrometheus, sumSamples} from './lib/prometheus.mjs';

const PROMPT_MARKER = 'wombat-lantern-5521';
const COMPLETION_PRICES = {input: 0.15, output: 0.60};  // gpt-4o-mini in the catalog

// One provider per deployment so the provider and deployment labels name it.
const SCENARIOS = {
  ok: 'tag=obs_ok',
  fail500: 'status=500,tag=obs_500',
  bad400: 'status=400,tag=obs_400',
  flaky: 'status=500,times=1,tag=obs_flaky',
  primary: 'status=500,tag=obs_primary',
  backup: 'tag=obs_backup',
  slow: 'latency=700,tag=obs_slow',
  trace: 'tag=obs_trace',
};

// Families the gateway must declare (HELP and TYPE), from src/telemetry/metric_list.h.
const FAMILIES = {
  switchyard_requests_total: 'counter',
  switchyard_prompt_tokens_total: 'counter',
  switchyard_completion_tokens_total: 'counter',
  switchyard_cost_usd_total: 'counter',
  switchyard_retries_total: 'counter',
  switchyard_fallbacks_total: 'counter',
  switchyard_hedges_total: 'counter',
  switchyard_upstream_connects_total: 'counter',
  switchyard_access_log_dropped_total: 'counter',
  switchyard_requests_in_flight: 'gauge',
  switchyard_upstream_idle_connections: 'gauge',
  switchyard_circuit_breaker_state: 'gauge',
  switchyard_request_duration_seconds: 'histogram',
  switchyard_time_to_first_token_seconds: 'histogram',
  switchyard_upstream_duration_seconds: 'histogram',
  switchyard_overhead_seconds: 'histogram',
};

let emu;
let gw;
let admin;
let secret;
let keyRecord;
let accessLogPath;
const output = new OutputCapture();
const requestIds = [];  // x-request-id of every proxied request this file made

const dep = (provider) => ({provider, model: 'gpt-4o-mini'});

before(async () => {
  emu = await Emulator.start();
  const providers = {};
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    providers[name] = emulatorProvider(emu, scenario);
  }
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-obs-'));
  process.on('exit', () => fs.rmSync(logDir, {recursive: true, force: true}));
  accessLogPath = path.join(logDir, 'access.log');
  const adminKey = newAdminKey();
  const quickRetry = {base_delay: '10ms', max_delay: '50ms'};
  gw = await Gateway.start(baseConfig(
      providers,
      [
        {name: 'obs-ok', deployments: [dep('ok')]},
        {name: 'obs-500', deployments: [dep('fail500')]},
        {name: 'obs-400', deployments: [dep('bad400')]},
        {name: 'obs-retry', retries: {max_attempts: 3, ...quickRetry}, deployments: [dep('flaky')]},
        {
          name: 'obs-fallback',
          retries: quickRetry,
          breaker: {failures: 2, cooldown: '60s', max_cooldown: '60s'},
          deployments: [dep('primary'), dep('backup')],
        },
        {name: 'obs-slow', deployments: [dep('slow')]},
        {name: 'obs-trace', deployments: [dep('trace')]},
      ],
      {
        admin_key: adminKey,
        store: `sqlite://${freshStorePath()}`,
        access_log: {path: accessLogPath},
      }));
  output.attach(gw.child);
  admin = new AdminClient(gw.url, adminKey);
  keyRecord = await admin.createKey({name: 'observability'});
  secret = keyRecord.key;
});

after(async () => {
  await gw?.stop();
  await emu?.stop();
});

async function scrape() {
  const res = await fetch(`${gw.url}/metrics`, {signal: AbortSignal.timeout(5000)});
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return {text, families: parsePrometheus(text)};
}

// A chat request through the gateway with the test key; remembers its id.
async function send(model, {headers = {}, nonce = crypto.randomBytes(6).toString('hex')} = {}) {
  const r = await chat(gw.url, secret, {
    model,
    messages: [{role: 'user', content: `${PROMPT_MARKER} ${nonce} say hi`}],
  }, {headers});
  const id = r.headers.get('x-request-id');
  assert.ok(id, 'x-request-id on every answer');
  requestIds.push(id);
  return {...r, id, nonce};
}

// Runs `fn` and returns how much each named counter query moved.
async function delta(queries, fn) {
  const before = (await scrape()).families;
  const result = await fn();
  // Metrics are recorded when a request settles, right after its last byte.
  let moved;
  await waitUntil(async () => {
    const now = (await scrape()).families;
    moved = queries.map(([name, match]) => sumSamples(now, name, match) -
                          sumSamples(before, name, match));
    return queries.every(([, , expect], i) => expect === undefined || moved[i] >= expect);
  }, 2000, 'counters moved').catch(() => {});
  return {moved, result};
}

function readAccessLog() {
  return fs.existsSync(accessLogPath) ? fs.readFileSync(accessLogPath, 'utf8') : '';
}

async function accessLine(requestId) {
  return waitUntil(() => {
    const lines = readAccessLog().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    return lines.find((l) => l.request_id === requestId);
  }, 3000, `access-log line for ${requestId}`);
}

// The emulator request whose body carries `nonce`.
async function upstreamRequest(nonce) {
  return waitUntil(async () => {
    const all = await emu.requests();
    return all.find((r) => r.body.includes(nonce));
  }, 3000, `emulator request ${nonce}`);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

describe('strict Prometheus parser (the tool the gateway tests rely on)', () => {
  const good = '# HELP a_total A.\n# TYPE a_total counter\na_total{x="q\\"\\\\\\n"} 1\n' +
      '# TYPE h histogram\nh_bucket{le="0.1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 0.3\nh_count 2\n';
  test('accepts a well-formed exposition and unescapes label values', () => {
    const f = parsePrometheus(good);
    assert.equal(f.get('a_total').type, 'counter');
    assert.equal(f.get('a_total').samples[0].labels.x, 'q"\\\n');
    assert.equal(sumSamples(f, 'h_count'), 2);
  });
  const bad = {
    'no final newline': good.slice(0, -1),
    'bad escape': 'a{x="\\t"} 1\n',
    'trailing comma': 'a{x="1",} 1\n',
    'bad value': 'a 1.2.3\n',
    'duplicate series': 'a 1\na 2\n',
    'second TYPE': '# TYPE a gauge\n# TYPE a gauge\na 1\n',
    'TYPE after sample': 'a 1\n# TYPE a gauge\n',
    'not contiguous': 'a 1\nb 1\na{x="y"} 2\n',
    'bucket counts decrease':
        '# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n',
    'no +Inf bucket': '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n',
    'count mismatch': '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n',
    'no _sum': '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 2\n',
    'negative counter': '# TYPE c_total counter\nc_total -1\n',
    'garbage line': 'a 1\nthis is not a sample\n',
  };
  for (const [what, text] of Object.entries(bad)) {
    test(`rejects: ${what}`, () => assert.throws(() => parsePrometheus(text)));
  }
});

describe('GET /metrics', () => {
  test('is valid text format 0.0.4 and declares every family with HELP and TYPE', async () => {
    await send('obs-ok');  // at least one series in the request families
    const {families} = await scrape();
    for (const [name, type] of Object.entries(FAMILIES)) {
      const f = families.get(name);
      assert.ok(f, `family ${name} exposed`);
      assert.equal(f.type, type, `${name} TYPE`);
      assert.ok(f.help && f.help.length > 0, `${name} HELP`);
    }
  });

  test('a success moves requests, latency, tokens and cost with the right labels', async () => {
    const keyId = keyRecord.id;
    const {moved, result: r} = await delta(
        [
          ['switchyard_requests_total',
           {model: 'obs-ok', provider: 'ok', deployment: 'ok', status: '200', error_class: 'none'},
           1],
          ['switchyard_request_duration_seconds_count', {model: 'obs-ok', provider: 'ok'}, 1],
          ['switchyard_prompt_tokens_total', {model: 'obs-ok', key_id: keyId}, 1],
          ['switchyard_completion_tokens_total', {model: 'obs-ok', key_id: keyId}, 1],
          ['switchyard_cost_usd_total', {model: 'obs-ok', key_id: keyId}],
          ['switchyard_requests_total', {model: 'obs-ok', status: '200'}],
        ],
        () => send('obs-ok'));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const usage = r.body.usage;
    assert.equal(moved[0], 1, 'requests_total +1 for model/provider/deployment/200/none');
    assert.equal(moved[1], 1, 'request duration observed once');
    assert.equal(moved[2], usage.prompt_tokens, 'prompt tokens');
    assert.equal(moved[3], usage.completion_tokens, 'completion tokens');
    const cost = costMicros(COMPLETION_PRICES, usage.prompt_tokens, usage.completion_tokens) / 1e6;
    assert.ok(cost > 0);
    assert.ok(Math.abs(moved[4] - cost) < 1e-9, `cost moved ${moved[4]}, expected ${cost}`);
    assert.equal(moved[5], 1, 'exactly one requests_total series moved');
  });

  test('an upstream 500 and a 400 count under their status and error class', async () => {
    const {moved: m500, result: r500} = await delta(
        [
          ['switchyard_requests_total', {model: 'obs-500', error_class: 'server_error'}, 1],
          ['switchyard_requests_total', {model: 'obs-500', error_class: 'none'}],
        ],
        () => send('obs-500'));
    assert.ok(r500.status >= 500, `status ${r500.status}`);
    assert.deepEqual(m500, [1, 0]);
    const {families} = await scrape();
    const series = findSamples(families, 'switchyard_requests_total', {model: 'obs-500'});
    assert.equal(series.length, 1);
    assert.equal(series[0].labels.status, String(r500.status), 'status label = status sent');
    assert.equal(series[0].labels.provider, 'fail500');

    const {moved: m400, result: r400} = await delta(
        [['switchyard_requests_total',
          {model: 'obs-400', status: '400', error_class: 'client_error'}, 1]],
        () => send('obs-400'));
    assert.equal(r400.status, 400);
    assert.deepEqual(m400, [1]);
  });

  test('a retry on the same deployment counts a retry, not a fallback', async () => {
    const {moved, result: r} = await delta(
        [
          ['switchyard_retries_total',
           {model: 'obs-retry', deployment: 'flaky', error_class: 'server_error'}, 1],
          ['switchyard_fallbacks_total', {model: 'obs-retry'}],
          ['switchyard_requests_total', {model: 'obs-retry', status: '200', error_class: 'none'},
           1],
        ],
        () => send('obs-retry'));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.headers.get('x-switchyard-attempts'), '2');
    assert.deepEqual(moved, [1, 0, 1], 'retries +1, fallbacks +0, one success');
  });

  test('a fallback to the second deployment counts a fallback from → to', async () => {
    const {moved, result: r} = await delta(
        [
          ['switchyard_fallbacks_total',
           {model: 'obs-fallback', from_deployment: 'primary', to_deployment: 'backup'}, 1],
          ['switchyard_requests_total',
           {model: 'obs-fallback', provider: 'backup', status: '200', error_class: 'none'}, 1],
          ['switchyard_retries_total', {model: 'obs-fallback', deployment: 'primary'}],
        ],
        () => send('obs-fallback'));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.headers.get('x-switchyard-attempts'), '2');
    assert.equal(moved[0], 1, 'fallbacks +1 primary → backup');
    assert.equal(moved[1], 1, 'the answer counted under the backup');
    assert.ok(moved[2] <= 1, 'at most one retry counted against the primary');
  });

  test('circuit-breaker state is exported per deployment and follows the breaker', async () => {
    // The fallback test left one failure on `primary`; the next opens it (failures: 2).
    const r = await send('obs-fallback');
    assert.equal(r.status, 200);
    const state = (families, deployment) =>
        findSamples(families, 'switchyard_circuit_breaker_state', {deployment});
    let families;
    await waitUntil(async () => {
      families = (await scrape()).families;
      const s = state(families, 'primary');
      return s.length === 1 && s[0].value === 2;
    }, 2000, 'primary breaker open').catch(() => {});
    for (const d of Object.keys(SCENARIOS)) {
      const s = state(families, d);
      assert.equal(s.length, 1, `one breaker-state series for deployment ${d}`);
      assert.ok([0, 1, 2].includes(s[0].value), `${d} state ${s[0].value}`);
    }
    assert.equal(state(families, 'primary')[0].value, 2, 'primary open after 2 failures');
    assert.equal(state(families, 'backup')[0].value, 0, 'backup closed');
  });

  test('in-flight gauge counts a slow request and returns to 0', async () => {
    const inflight = (families) => sumSamples(families, 'switchyard_requests_in_flight');
    const pending = send('obs-slow');  // the emulator waits 700 ms before answering
    await waitUntil(async () => inflight((await scrape()).families) >= 1, 600,
                    'in-flight ≥ 1 while the slow request runs');
    const r = await pending;
    assert.equal(r.status, 200);
    await waitUntil(async () => inflight((await scrape()).families) === 0, 2000,
                    'in-flight back to 0');
  });

  test('upstream latency and overhead histograms are observed for a proxied request', async () => {
    const {moved} = await delta(
        [
          ['switchyard_upstream_duration_seconds_count', {provider: 'ok', deployment: 'ok'}, 1],
          ['switchyard_overhead_seconds_count', {}, 1],
        ],
        () => send('obs-ok'));
    assert.deepEqual(moved, [1, 1]);
  });

  test('upstream pools: connections opened and idle keep-alive connections per origin',
       async () => {
         await send('obs-ok');
         const {families} = await scrape();
         const origin = `http://${emu.host}:${emu.port}`;
         assert.ok(sumSamples(families, 'switchyard_upstream_connects_total', {origin}) >= 1,
                   'at least one connection opened to the emulator');
         // The answered request's connection went back to the pool.
         assert.ok(sumSamples(families, 'switchyard_upstream_idle_connections', {origin}) >= 1,
                   'an idle keep-alive connection is held');
       });
});

describe('access log', () => {
  test('one valid JSON line per request with ids, model, provider, status, usage, timing',
       async () => {
         const r = await send('obs-ok');
         const line = await accessLine(r.id);
         assert.equal(line.key_id, keyRecord.id);
         assert.equal(line.model, 'obs-ok');
         assert.equal(line.provider, 'ok');
         assert.equal(line.deployment, 'ok');
         assert.equal(line.upstream_model, 'gpt-4o-mini');
         assert.equal(line.status, 200);
         assert.equal(line.error_class, 'none');
         assert.equal(line.stream, false);
         assert.equal(line.prompt_tokens, r.body.usage.prompt_tokens);
         assert.equal(line.completion_tokens, r.body.usage.completion_tokens);
         const cost =
             costMicros(COMPLETION_PRICES, r.body.usage.prompt_tokens,
                        r.body.usage.completion_tokens) / 1e6;
         assert.ok(Math.abs(line.cost_usd - cost) < 1e-9, `cost_usd ${line.cost_usd}`);
         assert.equal(typeof line.latency_ms, 'number');
         assert.ok(line.latency_ms >= 0);
         assert.ok(line.ttft_ms === null || line.ttft_ms >= 0);
         assert.equal(line.attempts, 1);
         assert.match(line.trace_id, /^[0-9a-f]{32}$/);
         assert.ok(!Number.isNaN(Date.parse(line.time)), `time ${line.time}`);

         const failed = await send('obs-500');
         const failLine = await accessLine(failed.id);
         assert.equal(failLine.status, failed.status);
         assert.equal(failLine.error_class, 'server_error');
       });

  test('every proxied request has exactly one line; all lines are JSON objects', async () => {
    // The writer is asynchronous: wait for the last request's line.
    await accessLine(requestIds[requestIds.length - 1]);
    const lines = readAccessLog().split('\n');
    assert.equal(lines.pop(), '', 'the file ends with a newline');
    const parsed = lines.map((l, i) => {
      try {
        return JSON.parse(l);
      } catch (err) {
        assert.fail(`line ${i + 1} is not JSON (${err.message}): ${l}`);
      }
    });
    for (const p of parsed) assert.equal(typeof p, 'object');
    const counts = new Map();
    for (const p of parsed) counts.set(p.request_id, (counts.get(p.request_id) ?? 0) + 1);
    for (const id of requestIds) assert.equal(counts.get(id), 1, `one line for request ${id}`);
  });

  test('no key material and no prompt or completion text by default', async () => {
    const r = await send('obs-ok');
    const line = await accessLine(r.id);
    assert.ok(!('prompt' in line) && !('completion' in line), 'text fields absent');
    const log = readAccessLog();
    assert.ok(!log.includes(secret), 'the virtual key never appears');
    assert.ok(!log.includes(secret.slice(0, 12)), 'not even its first 12 characters');
    if (keyRecord.key_prefix) {
      assert.ok(!log.includes(keyRecord.key_prefix.replace(/…$/, '')), 'nor its display prefix');
    }
    assert.ok(!/sk-sy-/.test(log), 'no sk-sy- key text at all');
    assert.ok(!log.includes('sk-e2e-test'), 'no upstream API key');
    assert.ok(!log.includes(PROMPT_MARKER), 'no prompt text');
    const completion = r.body.choices[0].message.content;
    assert.ok(completion.length > 8);
    assert.ok(!log.includes(completion), 'no completion text');
  });
});

describe('W3C traceparent', () => {
  test('a client trace continues upstream under a new parent span, and is logged', async () => {
    const traceId = crypto.randomBytes(16).toString('hex');
    const clientSpan = crypto.randomBytes(8).toString('hex');
    const r = await send('obs-trace', {
      headers: {traceparent: `00-${traceId}-${clientSpan}-01`, tracestate: 'vendor=abc'},
    });
    assert.equal(r.status, 200);
    const up = await upstreamRequest(r.nonce);
    const m = TRACEPARENT.exec(up.headers.traceparent ?? '');
    assert.ok(m, `upstream traceparent ${up.headers.traceparent}`);
    assert.equal(m[1], traceId, 'same trace id upstream');
    assert.notEqual(m[2], clientSpan, 'a new parent span id');
    assert.notEqual(m[2], '0'.repeat(16));
    assert.equal(m[3], '01', 'sampled flag kept');
    assert.equal(up.headers.tracestate, 'vendor=abc');
    assert.equal((await accessLine(r.id)).trace_id, traceId);
  });

  test('without a traceparent one is generated, valid, and logged', async () => {
    const r = await send('obs-trace');
    const up = await upstreamRequest(r.nonce);
    const m = TRACEPARENT.exec(up.headers.traceparent ?? '');
    assert.ok(m, `upstream traceparent ${up.headers.traceparent}`);
    assert.notEqual(m[1], '0'.repeat(32));
    assert.notEqual(m[2], '0'.repeat(16));
    assert.equal((await accessLine(r.id)).trace_id, m[1]);
    const again = await send('obs-trace');
    const m2 = TRACEPARENT.exec((await upstreamRequest(again.nonce)).headers.traceparent);
    assert.notEqual(m2[1], m[1], 'each request starts its own trace');
  });

  const invalid = {
    'non-hex trace id': `00-${'z'.repeat(32)}-${'1'.repeat(16)}-01`,
    'all-zero trace id': `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`,
    'version ff': `ff-${'a'.repeat(32)}-${'1'.repeat(16)}-01`,
    'uppercase hex': `00-${'A'.repeat(32)}-${'1'.repeat(16)}-01`,
    'too short': `00-${'a'.repeat(31)}-${'1'.repeat(16)}-01`,
  };
  for (const [what, header] of Object.entries(invalid)) {
    test(`an invalid traceparent (${what}) is replaced, with its tracestate dropped`, async () => {
      const r = await send('obs-trace', {headers: {traceparent: header, tracestate: 'vendor=x'}});
      assert.equal(r.status, 200);
      const up = await upstreamRequest(r.nonce);
      const m = TRACEPARENT.exec(up.headers.traceparent ?? '');
      assert.ok(m, `upstream traceparent ${up.headers.traceparent}`);
      assert.notEqual(up.headers.traceparent, header);
      assert.ok(!header.toLowerCase().includes(m[1]), 'a fresh trace id');
      assert.notEqual(m[1], '0'.repeat(32));
      assert.equal(up.headers.tracestate, undefined, 'tracestate dropped');
      assert.equal((await accessLine(r.id)).trace_id, m[1]);
    });
  }
});
