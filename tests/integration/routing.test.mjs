// Routing and resilience through the real gateway (issue 4): Retry-After and
// backoff, failover across deployments, timeouts, streaming-safe failover,
// context-window and request-level fallbacks, circuit breakers, strategies,
// per-deployment caps with queueing, and a 1,000-request run with a failing
// deployment. Every upstream is an emulator scenario; each test uses its own
// `tag=` values so the emulator log tells exactly which deployment was hit.
// Every wait is bounded (fetch timeouts, the process watchdog).
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';

import {Emulator} from './lib/emulator.mjs';
import {routeExplain} from './lib/explain.mjs';
import {baseConfig, emulatorProvider, Gateway} from './lib/gateway.mjs';
import {chat} from './lib/governance_helpers.mjs';

let emu;
let gw;      // most tests: first_byte_timeout 3s
let gwFast;  // the hang test: first_byte_timeout 500ms

const secret = 'sk-client';
const messages = [{role: 'user', content: 'Say hello.'}];

// Scenario strings, one provider each (the provider name is the tag).
const scenarios = {
  t1a: 'status=429,retry_after=1,tag=t1a',
  t1b: 'tag=t1b',
  t1c: 'status=429,retry_after=1,times=1,tag=t1c',
  t2: 'status=500,times=3,tag=t2',
  t4a: 'drop_after=2,tokens=10,tag=t4a',
  t4b: 'tokens=10,tag=t4b',
  t5a: 'status=503,tag=t5a',
  t5b: 'tokens=5,tag=t5b',
  t6a: 'tokens=5,tag=t6a',
  t6b: 'tokens=5,tag=t6b',
  t7a: 'status=500,tag=t7a',
  t7b: 'tag=t7b',
  t8a: 'status=500,tag=t8a',
  t8b: 'tag=t8b',
  t8c: 'status=500,tag=t8c',
  t8d: 'status=500,tag=t8d',
  t9a: 'tag=t9a',
  t9b: 'tag=t9b',
  t9c: 'tag=t9c',
  t9d: 'tag=t9d',
  t9e: 'tag=t9e',
  t9f: 'tag=t9f',
  t10a: 'latency=1500,tag=t10a',
  t10b: 'latency=1500,tag=t10b',
  t10c: 'latency=1000,tag=t10c',
  t11a: 'status=500,every=2,tag=t11a',
  t11b: 'tag=t11b',
  t12a: 'latency=2500,tag=t12a',
  t12b: 'tag=t12b',
  t13: 'status=429,reset_ms=800,times=1,tag=t13',
  t14: 'latency=1500,tag=t14',
};

const dep = (tag, extra = {}) => ({provider: tag, model: 'gpt-4o', ...extra});
const group = (name, deployments, extra = {}) => ({name, ...extra, deployments});

function providers(tags) {
  const out = {};
  for (const tag of tags) out[tag] = emulatorProvider(emu, scenarios[tag]);
  return out;
}

// The emulator requests of one tag (scenario strings are "k=v,k=v").
async function hits(tag) {
  const all = await emu.requests();
  return all.filter((r) => String(r.scenario ?? r.path).split(/[,/]/).includes(`tag=${tag}`));
}

// Tags of the emulator requests among `tags`, in arrival order.
async function tagSequence(tags) {
  const all = await emu.requests();
  const seq = [];
  for (const r of all) {
    const parts = String(r.scenario ?? r.path).split(/[,/]/);
    const t = tags.find((x) => parts.includes(`tag=${x}`));
    if (t) seq.push(t);
  }
  return seq;
}

const attempts = (r) => Number(r.headers.get('x-switchyard-attempts'));

function explain(url, body) {
  return routeExplain(url, body, {authorization: `Bearer ${secret}`});
}

before(async () => {
  emu = await Emulator.start();
  const fast = {connect_timeout: '1s', first_byte_timeout: '3s', total_timeout: '20s'};
  const quickRetry = {base_delay: '10ms', max_delay: '50ms'};
  gw = await Gateway.start(baseConfig(
      providers(Object.keys(scenarios)),
      [
        group('r429-failover', [dep('t1a'), dep('t1b')]),
        group('r429-single', [dep('t1c')], {retries: {max_attempts: 2, ...quickRetry}}),
        group('r500-recover', [dep('t2')], {retries: {max_attempts: 4, ...quickRetry}}),
        group('stream-drop', [dep('t4a'), dep('t4b')]),
        group('stream-503', [dep('t5a'), dep('t5b')]),
        // qwen-max: catalogued with a 32,768-token window; gemini-2.5-flash: 1M.
        group('small-ctx', [{provider: 't6a', model: 'qwen-max'}],
              {context_window_fallbacks: ['big-ctx']}),
        group('big-ctx', [{provider: 't6b', model: 'gemini-2.5-flash'}]),
        group('first-model', [dep('t7a')]),
        group('second-model', [dep('t7b')]),
        group('breaker-one', [dep('t8a'), dep('t8b')],
              {breaker: {failures: 2, cooldown: '30s', max_cooldown: '60s'}}),
        group('breaker-all', [dep('t8c'), dep('t8d')],
              {breaker: {failures: 2, cooldown: '30s', max_cooldown: '60s'}}),
        group('rr', [dep('t9a'), dep('t9b')], {strategy: 'round-robin'}),
        group('wt', [dep('t9c', {weight: 3}), dep('t9d', {weight: 1})], {strategy: 'weighted'}),
        group('lc',
              [
                dep('t9e', {price: {input: 10, output: 30}}),
                dep('t9f', {price: {input: 0.1, output: 0.4}}),
              ],
              {strategy: 'least-cost'}),
        group('cap-two', [dep('t10a', {max_parallel: 1}), dep('t10b', {max_parallel: 1})]),
        group('cap-one', [dep('t10c', {max_parallel: 1})],
              {queue: {max_waiting: 10, timeout: '5s'}}),
        group('load', [dep('t11a'), dep('t11b')], {strategy: 'round-robin'}),
        group('hedge', [dep('t12a'), dep('t12b')], {hedge_after_ms: 200}),
        group('reset-hint', [dep('t13')], {retries: {max_attempts: 2, ...quickRetry}}),
        group('cap-timeout', [dep('t14', {max_parallel: 1})],
              {queue: {max_waiting: 10, timeout: '300ms'}}),
      ],
      {upstream: fast}));
  gwFast = await Gateway.start(baseConfig(
      {
        hang: emulatorProvider(emu, 'hang=1,tag=t3a'),
        ok: emulatorProvider(emu, 'tag=t3b'),
      },
      [group('hang', [
        {provider: 'hang', model: 'gpt-4o'},
        {provider: 'ok', model: 'gpt-4o'},
      ])],
      {upstream: {connect_timeout: '1s', first_byte_timeout: '500ms', total_timeout: '10s'}}));
});

after(async () => {
  await gw?.stop();
  await gwFast?.stop();
  await emu?.stop();
});

test('429 with Retry-After fails over to the next deployment at once', async () => {
  const r = await chat(gw.url, secret, {model: 'r429-failover', messages});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(attempts(r), 2);
  assert.ok(r.ms < 900, `failover must not wait for Retry-After: took ${r.ms} ms`);
  assert.equal((await hits('t1a')).length, 1);
  assert.equal((await hits('t1b')).length, 1);
});

test('429 with Retry-After on a single deployment: waits, then retries it', async () => {
  const r = await chat(gw.url, secret, {model: 'r429-single', messages});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(attempts(r), 2);
  assert.ok(r.ms >= 950, `Retry-After: 1 honoured, took ${r.ms} ms`);
  const h = await hits('t1c');
  assert.equal(h.length, 2);
  const gap = h[1].start_ms - h[0].start_ms;
  assert.ok(gap >= 950, `resent ${gap} ms later`);
});

test('500s then recovery: retried with backoff until 200', async () => {
  const r = await chat(gw.url, secret, {model: 'r500-recover', messages});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(attempts(r), 4);
  assert.equal((await hits('t2')).length, 4);
});

test('a hanging deployment times out, then the healthy one answers', async () => {
  const r = await chat(gwFast.url, secret, {model: 'hang', messages});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(attempts(r), 2);
  assert.ok(r.ms >= 450 && r.ms < 3000, `first-byte timeout then failover: ${r.ms} ms`);
  assert.equal((await hits('t3a')).length, 1);
  assert.equal((await hits('t3b')).length, 1);
});

test('stream dropped after the first byte: error event, no failover', async () => {
  const r = await chat(gw.url, secret, {model: 'stream-drop', messages, stream: true});
  assert.equal(r.status, 200);
  const text = r.body.text;
  assert.ok(r.body.chunks.length >= 1, `deltas before the drop reached the client: ${text}`);
  assert.match(text, /"error"/, `an error event ends the stream: ${text}`);
  assert.ok(!text.includes('[DONE]'), 'no [DONE] after an upstream failure');
  assert.equal((await hits('t4a')).length, 1);
  assert.equal((await hits('t4b')).length, 0, 'never fails over once bytes reached the client');
});

test('stream failing before the first byte: transparent failover', async () => {
  const r = await chat(gw.url, secret, {model: 'stream-503', messages, stream: true});
  assert.equal(r.status, 200);
  assert.equal(attempts(r), 2);
  const text = r.body.text;
  assert.ok(text.includes('[DONE]'), `a complete stream: ${text}`);
  assert.ok(!/"error"/.test(text), `no error event: ${text}`);
  const finish = r.body.chunks.map((c) => c.choices?.[0]?.finish_reason).find(Boolean);
  assert.equal(finish, 'stop');
  const content = r.body.chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
  assert.equal(content.trim().split(/\s+/).length, 5);
  assert.equal((await hits('t5a')).length, 1);
  assert.equal((await hits('t5b')).length, 1);
});

test('context-window fallback: decided before sending, big model answers', async () => {
  const body = {model: 'small-ctx', messages, max_tokens: 40000};
  const plan = await explain(gw.url, body);
  assert.equal(plan.status, 'ready', JSON.stringify(plan));
  assert.equal(plan.attempts[0].group, 'big-ctx', JSON.stringify(plan.attempts));
  assert.match(plan.attempts[0].reason, /context/);
  assert.ok(plan.skipped.some((s) => s.group === 'small-ctx'), JSON.stringify(plan.skipped));

  const r = await chat(gw.url, secret, body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(attempts(r), 1);
  assert.equal(r.headers.get('x-switchyard-provider'), 't6b');
  assert.equal(r.headers.get('x-switchyard-model'), 'gemini-2.5-flash');
  assert.equal((await hits('t6a')).length, 0, 'the small-context model is never sent to');
  assert.equal((await hits('t6b')).length, 1);
});

test('request-level "models" list: the second model answers when the first fails', async () => {
  const r =
      await chat(gw.url, secret, {model: 'first-model', models: ['first-model', 'second-model'],
                                  messages});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(attempts(r), 2);
  assert.equal(r.headers.get('x-switchyard-provider'), 't7b');
  assert.ok(r.headers.get('x-switchyard-fallback-reason'), 'a fallback answered');
  assert.equal((await hits('t7a')).length, 1);
  assert.equal((await hits('t7b')).length, 1);
});

test('circuit breaker: an open deployment is skipped; all open → 503 naming the group',
     async () => {
       for (let i = 0; i < 2; i++) {
         const r = await chat(gw.url, secret, {model: 'breaker-one', messages});
         assert.equal(r.status, 200, JSON.stringify(r.body));
       }
       assert.equal((await hits('t8a')).length, 2);
       const plan = await explain(gw.url, {model: 'breaker-one', messages});
       const deps = plan.groups['breaker-one'].deployments;
       assert.match(String(deps[0].breaker), /open/, JSON.stringify(deps));
       assert.match(String(deps[1].breaker), /closed/, JSON.stringify(deps));
       for (let i = 0; i < 5; i++) {
         const r = await chat(gw.url, secret, {model: 'breaker-one', messages});
         assert.equal(r.status, 200, JSON.stringify(r.body));
         assert.equal(attempts(r), 1, 'the open deployment is not tried');
       }
       assert.equal((await hits('t8a')).length, 2, 'no request to the open deployment');
       assert.equal((await hits('t8b')).length, 7);

       for (let i = 0; i < 2; i++) {
         const r = await chat(gw.url, secret, {model: 'breaker-all', messages});
         assert.notEqual(r.status, 200);
       }
       const before = (await hits('t8c')).length + (await hits('t8d')).length;
       assert.equal(before, 4);
       const r = await chat(gw.url, secret, {model: 'breaker-all', messages});
       assert.equal(r.status, 503, JSON.stringify(r.body));
       assert.match(r.body.error.message, /breaker-all/);
       assert.equal((await hits('t8c')).length + (await hits('t8d')).length, 4);
       const all = await explain(gw.url, {model: 'breaker-all', messages});
       assert.equal(all.status, 'unavailable', JSON.stringify(all));
       for (const d of all.groups['breaker-all'].deployments) {
         assert.match(String(d.breaker), /open/);
       }
     });

test('round-robin alternates between two deployments exactly', async () => {
  for (let i = 0; i < 10; i++) {
    const r = await chat(gw.url, secret, {model: 'rr', messages});
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const seq = await tagSequence(['t9a', 't9b']);
  assert.equal(seq.length, 10);
  for (let i = 1; i < seq.length; i++) assert.notEqual(seq[i], seq[i - 1], seq.join(' '));
});

test('weighted 3:1 over 80 requests', async () => {
  const batch = Array.from({length: 80}, () => chat(gw.url, secret, {model: 'wt', messages}));
  for (const r of await Promise.all(batch)) assert.equal(r.status, 200, JSON.stringify(r.body));
  const a = (await hits('t9c')).length;
  const b = (await hits('t9d')).length;
  assert.equal(a + b, 80);
  // Expected 60 / 20; standard deviation ≈ 3.9: ±4 sd.
  assert.ok(a >= 44 && a <= 76, `weight 3 got ${a}, weight 1 got ${b}`);
});

test('least-cost picks the cheaper price override', async () => {
  for (let i = 0; i < 5; i++) {
    const r = await chat(gw.url, secret, {model: 'lc', messages});
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  assert.equal((await hits('t9e')).length, 0);
  assert.equal((await hits('t9f')).length, 5);
});

test('max_parallel: 1: a concurrent request goes to the other deployment', async () => {
  const [x, y] = await Promise.all([
    chat(gw.url, secret, {model: 'cap-two', messages}),
    chat(gw.url, secret, {model: 'cap-two', messages}),
  ]);
  assert.equal(x.status, 200, JSON.stringify(x.body));
  assert.equal(y.status, 200, JSON.stringify(y.body));
  assert.equal((await hits('t10a')).length, 1);
  assert.equal((await hits('t10b')).length, 1);
});

test('max_parallel: 1 on a single deployment: the second request queues, then succeeds',
     async () => {
       const t0 = Date.now();
       const [x, y] = await Promise.all([
         chat(gw.url, secret, {model: 'cap-one', messages}),
         chat(gw.url, secret, {model: 'cap-one', messages}),
       ]);
       assert.equal(x.status, 200, JSON.stringify(x.body));
       assert.equal(y.status, 200, JSON.stringify(y.body));
       assert.ok(Math.max(x.at, y.at) - t0 >= 1900, 'the second waited for the first');
       const h = await hits('t10c');
       assert.equal(h.length, 2);
       assert.ok(h[1].start_ms - h[0].start_ms >= 900, 'never two in flight at once');
     });

test('1,000 requests, one of two deployments failing half its requests: every request succeeds',
     async () => {
       let next = 0;
       const failures = [];
       const worker = async () => {
         while (next < 1000) {
           next += 1;
           const r = await chat(gw.url, secret, {model: 'load', messages}, {timeoutMs: 10000});
           if (r.status !== 200) failures.push(`${r.status} ${JSON.stringify(r.body)}`);
         }
       };
       const t0 = Date.now();
       await Promise.all(Array.from({length: 20}, worker));
       assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed`);
       assert.ok(Date.now() - t0 < 30000);
       const a = await hits('t11a');
       const b = await hits('t11b');
       assert.ok(a.some((r) => r.status === 500), 't11a failed some requests');
       assert.ok(a.some((r) => r.status === 200), 't11a answered some requests');
       const answered = [...a, ...b].filter((r) => r.status === 200).length;
       assert.equal(answered, 1000, 'exactly one upstream answer per client request');
     });

test('hedging: a slow first deployment loses to a hedge on the second', async () => {
  const r = await chat(gw.url, secret, {model: 'hedge', messages});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(r.ms < 1500, `the hedge answered before the slow one (took ${r.ms} ms)`);
  assert.equal(r.headers.get('x-switchyard-provider'), 't12b');
  assert.equal(r.headers.get('x-switchyard-hedged'), 'true');
  assert.equal(attempts(r), 2);
  const slow = await hits('t12a');
  const fast = await hits('t12b');
  assert.equal(slow.length, 1);
  assert.equal(fast.length, 1);
  assert.ok(fast[0].start_ms - slow[0].start_ms >= 150, 'the hedge started after hedge_after_ms');
  // The loser was cancelled, not left running to its end.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const [loser] = await hits('t12a');
  assert.equal(loser.cancelled, true, JSON.stringify(loser));
  // The hedges counter moved.
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.match(metrics, /switchyard_hedges_total\{model="hedge",deployment="t12b"\} 1/);
});

test('429 with x-ratelimit-reset-requests: the retry waits for the reset', async () => {
  const r = await chat(gw.url, secret, {model: 'reset-hint', messages});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(attempts(r), 2);
  const h = await hits('t13');
  assert.equal(h.length, 2);
  const gap = h[1].start_ms - h[0].start_ms;
  assert.ok(gap >= 750, `resent ${gap} ms later (reset 800ms)`);
});

test('a request queued at caps beyond queue.timeout gets 429 with Retry-After', async () => {
  const [x, y] = await Promise.all([
    chat(gw.url, secret, {model: 'cap-timeout', messages}),
    (async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return chat(gw.url, secret, {model: 'cap-timeout', messages});
    })(),
  ]);
  assert.equal(x.status, 200, JSON.stringify(x.body));
  assert.equal(y.status, 429, JSON.stringify(y.body));
  assert.equal(y.body.error.code, 'deployments_at_capacity');
  assert.ok(y.headers.get('retry-after'));
  assert.ok(y.ms >= 250 && y.ms < 1400, `waited about queue.timeout: ${y.ms} ms`);
  assert.equal((await hits('t14')).length, 1);
});

// The header names the kind of fallback that answered ("context_window",
// "models", ...), taken from the routed attempt's reason.
test('x-switchyard-fallback-reason names the kind of fallback that answered', async () => {
  const ctx = await chat(gw.url, secret, {model: 'small-ctx', messages, max_tokens: 40000});
  assert.equal(ctx.status, 200, JSON.stringify(ctx.body));
  assert.equal(ctx.headers.get('x-switchyard-fallback-reason'), 'context_window');
  const models = ['first-model', 'second-model'];
  const list = await chat(gw.url, secret, {model: 'first-model', models, messages});
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.equal(list.headers.get('x-switchyard-fallback-reason'), 'models');
});
