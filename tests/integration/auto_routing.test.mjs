// Auto-routing through the real gateway (issue 8): "model": "auto" picks a
// tier with the builtin classifier, hard requirements skip models that cannot
// serve the request, client constraints (privacy, forced tier, max cost) bound
// the choice, and /v1/route/explain shows every step. Upstreams are emulator
// scenarios tagged per model group, so the emulator's request log tells which
// group was hit — in particular that a privacy-local request never reaches a
// non-local provider, even when the local deployment fails and its group has
// a non-local `fallbacks:` entry.
import assert from 'node:assert/strict';
import {after, before, beforeEach, test} from 'node:test';
import OpenAI from 'openai';

import {Emulator} from './lib/emulator.mjs';
import {routeExplain} from './lib/explain.mjs';
import {baseConfig, emulatorProvider, Gateway, writeConfig} from './lib/gateway.mjs';
import {runCli} from './lib/governance_helpers.mjs';

let emu;
let gw;
let client;

// Builtin classifier scores (checked in the explain test): below and above
// the default threshold.
const routine = [{role: 'user', content: 'What is the capital of France?'}];
const hard = [{
  role: 'user',
  content: 'A bakery sells muffins for $3 each or a box of 6 for $15. Priya needs 20 muffins ' +
      'for a party, has a coupon for 10% off any box, and pays with two $50 bills. The bakery ' +
      'only gives change in $5 bills and quarters. How many quarters does she get back if she ' +
      'buys the cheapest combination?',
}];
const withImage = [{
  role: 'user',
  content: [
    {type: 'text', text: 'What is the capital of France?'},
    {type: 'image_url', image_url: {url: 'data:image/png;base64,iVBORw0KGgo='}},
  ],
}];

const tags = ['a_text', 'a_mini', 'a_std', 'a_local'];

async function tagsHit() {
  const all = await emu.requests();
  const seen = [];
  for (const r of all) {
    const parts = String(r.scenario ?? r.path).split(/[,/]/);
    const t = tags.find((x) => parts.includes(`tag=${x}`));
    if (t) seen.push(t);
  }
  return seen;
}

function explain(body, headers = {}) {
  return routeExplain(gw.url, body, headers);
}

before(async () => {
  emu = await Emulator.start();
  gw = await Gateway.start(baseConfig(
      {
        text: emulatorProvider(emu, 'tag=a_text'),
        mini: emulatorProvider(emu, 'tag=a_mini'),
        std: emulatorProvider(emu, 'tag=a_std'),
        local: emulatorProvider(emu, 'status=500,tag=a_local'),
      },
      [
        // deepseek-chat: catalogued without vision; listed first in the mini tier.
        {name: 'cheap-text', deployments: [{provider: 'text', model: 'deepseek-chat'}]},
        {name: 'mini', deployments: [{provider: 'mini', model: 'gpt-4o-mini'}]},
        {name: 'standard', deployments: [{provider: 'std', model: 'gpt-4o'}]},
        {
          // A self-hosted DeepSeek (catalogued: no vision), with a non-local fallback that
          // routing must never use for privacy-local requests.
          name: 'deepseek-local',
          fallbacks: ['mini'],
          retries: {max_attempts: 2, base_delay: '10ms', max_delay: '50ms'},
          deployments: [{provider: 'local', model: 'deepseek-chat', price: {input: 0, output: 0}}],
        },
      ],
      {
        policies: {
          auto: {
            tiers: {mini: ['cheap-text', 'mini'], standard: ['standard']},
            local: ['deepseek-local'],
            prefer: 'quality',
          },
        },
      }));
  client = new OpenAI({baseURL: `${gw.url}/v1`, apiKey: 'sk-none', maxRetries: 0, timeout: 10000});
});

after(async () => {
  if (gw) await gw.stop();
  if (emu) await emu.stop();
});

beforeEach(async () => {
  await emu.reset();
});

test('a routine prompt goes to the mini tier', async () => {
  const {data, response} =
      await client.chat.completions.create({model: 'auto', messages: routine}).withResponse();
  assert.ok(data.choices[0].message.content.length > 0);
  assert.equal(response.headers.get('x-switchyard-tier'), 'mini');
  assert.match(response.headers.get('x-switchyard-route-reason'),
               /^classifier score 0\.\d\d < 0\.\d\d -> mini; prefer quality \(tier order\) -> cheap-text$/);
  assert.equal(response.headers.get('x-switchyard-model'), 'deepseek-chat');
  // Streamed answers carry the same headers.
  const streamed = await client.chat.completions.create({model: 'auto', messages: routine, stream: true})
                       .withResponse();
  let text = '';
  for await (const chunk of streamed.data) text += chunk.choices[0]?.delta?.content ?? '';
  assert.ok(text.length > 0);
  assert.equal(streamed.response.headers.get('x-switchyard-tier'), 'mini');
  assert.deepEqual(await tagsHit(), ['a_text', 'a_text']);
});

test('a hard prompt goes to the standard tier', async () => {
  const {response} =
      await client.chat.completions.create({model: 'auto', messages: hard}).withResponse();
  assert.equal(response.headers.get('x-switchyard-tier'), 'standard');
  assert.match(response.headers.get('x-switchyard-route-reason'), / >= .* -> standard;/);
  assert.deepEqual(await tagsHit(), ['a_std']);
});

test('an image request skips the model without vision', async () => {
  const {response} =
      await client.chat.completions.create({model: 'auto', messages: withImage}).withResponse();
  assert.equal(response.headers.get('x-switchyard-tier'), 'mini');
  assert.equal(response.headers.get('x-switchyard-model'), 'gpt-4o-mini');
  assert.deepEqual(await tagsHit(), ['a_mini']);
  const e = await explain({model: 'auto', messages: withImage});
  const text = e.candidates.find((c) => c.group === 'cheap-text');
  assert.equal(text.kept, false);
  assert.equal(text.removed_by, 'requirements');
  assert.match(text.why, /does not support vision/);
});

test('privacy local: the local deployment fails and no other provider is ever tried', async () => {
  for (const stream of [false, true]) {
    await assert.rejects(
        async () => {
          const r = await client.chat.completions.create(
              {model: 'auto', messages: hard, stream},
              {headers: {'x-switchyard-privacy': 'local'}});
          if (stream) {
            for await (const chunk of r) void chunk;
          }
        },
        (err) => err instanceof OpenAI.APIError && err.status >= 500);
  }
  const seen = await tagsHit();
  assert.ok(seen.length >= 2, `local deployment attempted: ${seen}`);
  assert.deepEqual([...new Set(seen)], ['a_local']);
  // The same through the body's route object; explain lists only the local group.
  const e = await explain({model: 'auto', messages: routine, route: {privacy: 'local'}});
  assert.deepEqual(e.groups, ['deepseek-local']);
  assert.equal(e.tier, 'local');
  assert.deepEqual(e.plan.allowed_groups, ['deepseek-local']);
  assert.ok(!e.plan.attempts.some((a) => a.group !== 'deepseek-local'));
});

test('privacy local with no local model able to serve is a clear 400, nothing sent', async () => {
  await assert.rejects(
      client.chat.completions.create({model: 'auto', messages: withImage},
                                     {headers: {'x-switchyard-privacy': 'local'}}),
      (err) => err.status === 400 && err.code === 'privacy_unsatisfiable' &&
          err.param === 'x-switchyard-privacy');
  assert.deepEqual(await tagsHit(), []);
});

test('a forced tier overrides the classifier (header and body)', async () => {
  const {response} = await client.chat.completions
                         .create({model: 'auto', messages: routine},
                                 {headers: {'x-switchyard-tier': 'standard'}})
                         .withResponse();
  assert.equal(response.headers.get('x-switchyard-tier'), 'standard');
  assert.match(response.headers.get('x-switchyard-route-reason'),
               /^forced tier standard \(x-switchyard-tier\)/);
  const viaBody = await client.chat.completions
                      .create({model: 'auto', messages: routine, route: {tier: 'standard'}})
                      .withResponse();
  assert.equal(viaBody.response.headers.get('x-switchyard-tier'), 'standard');
  // The gateway's own fields are not forwarded upstream.
  const sent = (await emu.requests()).filter((r) => String(r.scenario ?? r.path).includes('a_std'));
  assert.equal(sent.length, 2);
  assert.ok(!sent[1].body.includes('"route"'), sent[1].body);
  assert.match(sent[1].body, /"model":"gpt-4o"/);
});

test('max cost excludes the expensive tier', async () => {
  // 1000 output tokens: gpt-4o about $0.010, gpt-4o-mini about $0.0006.
  const headers = {'x-switchyard-max-cost-usd': '0.002'};
  const {response} = await client.chat.completions
                         .create({model: 'auto', messages: routine, max_tokens: 1000}, {headers})
                         .withResponse();
  assert.equal(response.headers.get('x-switchyard-tier'), 'mini');
  const e = await explain({model: 'auto', messages: routine, max_tokens: 1000}, headers);
  const std = e.candidates.find((c) => c.group === 'standard');
  assert.equal(std.kept, false);
  assert.equal(std.removed_by, 'constraints');
  assert.match(std.why, /estimated cost \$0\.01\d+ > max \$0\.002/);
  assert.ok(!e.groups.includes('standard'));
  // A hard prompt under the same bound is refused (never routed down a tier).
  await assert.rejects(
      client.chat.completions.create({model: 'auto', messages: hard, max_tokens: 1000}, {headers}),
      (err) => err.status === 400 && err.code === 'route_unsatisfiable' &&
          err.param === 'x-switchyard-max-cost-usd');
  assert.deepEqual(await tagsHit(), ['a_text']);
});

test('bad constraints are 400 naming the field', async () => {
  await assert.rejects(
      client.chat.completions.create({model: 'auto', messages: routine},
                                     {headers: {'x-switchyard-max-latency-ms': 'soon'}}),
      (err) => err.status === 400 && err.param === 'x-switchyard-max-latency-ms');
  await assert.rejects(
      client.chat.completions.create(
          {model: 'auto', messages: routine, route: {max_cost_usd: 'cheap'}}),
      (err) => err.status === 400 && err.param === 'route.max_cost_usd');
  await assert.rejects(
      client.chat.completions.create({model: 'auto:nope', messages: routine}),
      (err) => err.status === 404 && err.code === 'model_not_found');
  assert.deepEqual(await tagsHit(), []);
});

test('explain shows model, tier, deployment, candidates, features, scores and the plan', async () => {
  const easy = await explain({model: 'auto', messages: routine});
  const tough = await explain({model: 'auto', messages: hard});
  for (const e of [easy, tough]) {
    assert.equal(e.status, 'ready');
    assert.equal(e.policy, 'auto');
    assert.equal(typeof e.scores.strong, 'number');
    assert.equal(typeof e.features.log_chars, 'number');
    assert.equal(e.candidates.length, 3);
    assert.ok(e.candidates.every((c) => typeof c.kept === 'boolean' && typeof c.why === 'string'));
    assert.equal(e.plan.status, 'ready');
    assert.equal(e.deployment.group, e.model);
  }
  // The prompts sit on each side of the threshold (scores are percentiles of
  // the training prompts: trivia is below all of them, the word problem just
  // above the default threshold; tests/classifier/model_test.cc says why).
  assert.ok(easy.scores.strong < easy.scores.threshold - 0.05, JSON.stringify(easy.scores));
  assert.ok(tough.scores.strong > tough.scores.threshold, JSON.stringify(tough.scores));
  assert.equal(easy.model, 'cheap-text');
  assert.equal(easy.tier, 'mini');
  assert.equal(easy.deployment.model, 'deepseek-chat');
  assert.deepEqual(easy.groups, ['cheap-text', 'mini', 'standard']);
  assert.equal(tough.model, 'standard');
  assert.equal(tough.deployment.provider, 'std');
  assert.deepEqual(tough.groups, ['standard']);
  assert.deepEqual(await tagsHit(), []);
});

test('switchyard check accepts policies and rejects bad ones with the key path', async () => {
  const config = (policy) => baseConfig(
      {p: {type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'x'}},
      [
        {name: 'small', deployments: [{provider: 'p', model: 'gpt-4o-mini'}]},
        {name: 'big', deployments: [{provider: 'p', model: 'gpt-4o'}]},
      ],
      {policies: {auto: policy}});
  const good = writeConfig(config({tiers: {mini: ['small'], standard: ['big']}, prefer: 'latency'}));
  const ok = await runCli(['check', '--config', good]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /OK .*1 policies/);
  const bad = [
    [{tiers: {mini: ['small', 'huge']}}, /policies\.auto\.tiers\.mini\[1\]: unknown model group 'huge'/],
    [{tiers: {}}, /policies\.auto\.tiers: expected a mapping/],
    [{tiers: {mini: ['small']}, prefer: 'speed'}, /policies\.auto\.prefer: expected cost, latency or quality/],
  ];
  for (const [policy, message] of bad) {
    const file = writeConfig(config(policy));
    const r = await runCli(['check', '--config', file]);
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.includes(`${file}:`), r.stderr);
    assert.match(r.stderr, message);
  }
});
