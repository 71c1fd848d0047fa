// Governance end to end (issue 5): virtual keys through the admin API and the
// CLI, every enforcement status and header, credits raced by 200 parallel
// requests, settlement of a cancelled stream, a ledger row for every request
// of a mixed load, SIGKILL during load then restart, and no secret or prompt
// text in the gateway's logs. The gateway runs with a real SQLite store; the
// provider emulator is the upstream.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {after, before, describe, test} from 'node:test';
import OpenAI from 'openai';

import {assertErrorShape, expectApiError} from './lib/assert_error.mjs';
import {Emulator} from './lib/emulator.mjs';
import {baseConfig, emulatorProvider, Gateway} from './lib/gateway.mjs';
import {
  AdminClient,
  chat,
  costMicros,
  freshStorePath,
  newAdminKey,
  OutputCapture,
  runCli,
  sql,
  usdToMicros,
  waitUntil,
} from './lib/governance_helpers.mjs';
import {sleep} from './lib/process.mjs';

// Catalog prices (catalog/models.yaml), USD per million tokens.
const PRICES = {
  'gpt-4o-mini': {input: 0.15, output: 0.60},
  'gpt-4o': {input: 2.50, output: 10.00},
};
const RECORD_FIELDS = [
  'id',
  'name',
  'models',
  'rpm',
  'tpm',
  'max_parallel',
  'budget_usd',
  'budget_period',
  'spent_usd',
  'credits_usd',
  'expires_at',
  'revoked',
  'metadata',
];
// Must never appear in a log line.
const PROMPT_MARKER = 'quokka-zebra-7731 confidential';
const FLUSH_MS = 200;

const logs = new OutputCapture();
const secrets = new Set();
const adminKeys = new Set();

let emu;

function governedConfig(store, adminKey, {flush = `${FLUSH_MS}ms`, workers = 1} = {}) {
  return baseConfig(
      {
        emu: emulatorProvider(emu),
        emu_long: emulatorProvider(emu, 'tokens=400'),
        emu_conc: emulatorProvider(emu, 'latency=1000,tokens=100'),
        emu_stream: emulatorProvider(emu, 'gap=40,tokens=400'),
        emu_slow: emulatorProvider(emu, 'latency=800'),
        emu_fail: emulatorProvider(emu, 'status=500'),
        // Nothing listens on port 1: connection refused (a transport failure).
        dead: {type: 'openai', base_url: 'http://127.0.0.1:1/v1', api_key: 'sk-e2e-test'},
      },
      [
        {name: 'gpt-4o-mini', deployments: [{provider: 'emu', model: 'gpt-4o-mini'}]},
        {name: 'gpt-4o', deployments: [{provider: 'emu', model: 'gpt-4o'}]},
        {name: 'gpt-4.1-mini', deployments: [{provider: 'emu', model: 'gpt-4.1-mini'}]},
        {name: 'long-mini', deployments: [{provider: 'emu_long', model: 'gpt-4o-mini'}]},
        {name: 'conc-4o', deployments: [{provider: 'emu_conc', model: 'gpt-4o'}]},
        {name: 'stream-mini', deployments: [{provider: 'emu_stream', model: 'gpt-4o-mini'}]},
        {name: 'slow-mini', deployments: [{provider: 'emu_slow', model: 'gpt-4o-mini'}]},
        {name: 'broken-mini', deployments: [{provider: 'emu_fail', model: 'gpt-4o-mini'}]},
        {name: 'dead-mini', deployments: [{provider: 'dead', model: 'gpt-4o-mini'}]},
        {
          name: 'failover-mini',
          deployments: [
            {provider: 'emu_fail', model: 'gpt-4o-mini'},
            {provider: 'emu', model: 'gpt-4o-mini'},
          ],
        },
      ],
      {
        workers,
        log_level: 'debug',
        admin_key: adminKey,
        store: `sqlite://${store}`,
        ledger: {flush_interval: flush},
      });
}

async function startGateway(config) {
  const gw = await Gateway.start(config);
  logs.attach(gw.child);
  return gw;
}

function userMessage(extra = '') {
  return [{role: 'user', content: `Please answer briefly. ${PROMPT_MARKER} ${extra}`.trim()}];
}

// Creates a key through the admin API and remembers its secret for the log check.
async function createKey(admin, fields) {
  const rec = await admin.createKey(fields);
  secrets.add(rec.key);
  return rec;
}

function micros(usd) {
  return usdToMicros(usd);
}

// The key record once `ready(record)` holds. A request settles right after
// its response is sent, so a read right after the response may precede it.
async function keyWhen(adminClient, id, ready, what) {
  let last;
  try {
    return await waitUntil(async () => {
      last = await adminClient.getKey(id);
      return ready(last) ? last : undefined;
    }, 2000, what);
  } catch {
    assert.fail(`${what}; key record: ${JSON.stringify(last)}`);
  }
}

// Shared gateway A: lifecycle, CLI, enforcement, concurrency, cancelled stream.
let gw;
let admin;
let storePath;
let adminKey;

before(async () => {
  emu = await Emulator.start();
  storePath = freshStorePath();
  adminKey = newAdminKey();
  adminKeys.add(adminKey);
  gw = await startGateway(governedConfig(storePath, adminKey));
  admin = new AdminClient(gw.url, adminKey);
});

after(async () => {
  await gw?.stop();
  await emu?.stop();
});

describe('key lifecycle', () => {
  test(
      'admin API: create, list, get, update, top up, revoke; the secret only at creation',
      async () => {
        const expires = Math.floor(Date.now() / 1000) + 86400;
        const created = await admin.request('POST', '/admin/keys', {
          name: 'team-a',
          models: ['gpt-4o-mini', 'gpt-4o*'],
          rpm: 60,
          tpm: 100000,
          max_parallel: 4,
          budget_usd: 12.5,
          budget_period: 'monthly',
          credits_usd: 3,
          expires_at: expires,
          metadata: {team: 'a', owner: 'alice'},
        });
        assert.equal(created.status, 201, created.text);
        assert.match(created.headers.get('content-type') ?? '', /^application\/json/);
        const rec = created.body;
        assert.match(rec.key, /^sk-sy-[0-9A-Za-z]{42,43}$/, 'sk-sy- + 32 bytes in base62');
        secrets.add(rec.key);
        for (const f of RECORD_FIELDS) assert.ok(f in rec, `record field ${f}`);
        assert.equal(typeof rec.id, 'string');
        assert.equal(rec.name, 'team-a');
        assert.deepEqual(rec.models, ['gpt-4o-mini', 'gpt-4o*']);
        assert.equal(rec.rpm, 60);
        assert.equal(rec.tpm, 100000);
        assert.equal(rec.max_parallel, 4);
        assert.equal(rec.budget_usd, 12.5);
        assert.equal(rec.budget_period, 'monthly');
        assert.equal(rec.spent_usd, 0);
        assert.equal(rec.credits_usd, 3);
        assert.equal(rec.expires_at, expires);
        assert.equal(rec.revoked, false);
        assert.deepEqual(rec.metadata, {team: 'a', owner: 'alice'});
        assert.ok(!rec.key_prefix || rec.key.startsWith(rec.key_prefix.replace(/…$/, '')));

        // The secret is never shown again.
        const list = await admin.request('GET', '/admin/keys');
        assert.equal(list.status, 200);
        assert.ok(Array.isArray(list.body.data));
        const listed = list.body.data.find((k) => k.id === rec.id);
        assert.ok(listed, 'the new key is listed');
        for (const f of RECORD_FIELDS) assert.ok(f in listed, `listed field ${f}`);
        assert.ok(!list.body.data.some((k) => 'key' in k), 'list never carries a secret');
        assert.ok(!list.text.includes(rec.key));

        const got = await admin.request('GET', `/admin/keys/${rec.id}`);
        assert.equal(got.status, 200);
        assert.ok(!('key' in got.body));
        assert.ok(!got.text.includes(rec.key));
        const {key: _secret, ...withoutSecret} = rec;
        for (const f of RECORD_FIELDS) assert.deepEqual(got.body[f], withoutSecret[f], f);

        // The key works on the public API for an allowed model.
        const ok = await chat(gw.url, rec.key, {model: 'gpt-4o-mini', messages: userMessage()});
        assert.equal(ok.status, 200, JSON.stringify(ok.body));

        // Update.
        const patched = await admin.request('PATCH', `/admin/keys/${rec.id}`, {
          name: 'team-a2',
          rpm: 30,
          models: ['gpt-4o-mini'],
          budget_usd: null,
          budget_period: 'daily',
          expires_at: null,
          metadata: {team: 'a2'},
        });
        assert.equal(patched.status, 200, patched.text);
        assert.equal(patched.body.name, 'team-a2');
        assert.equal(patched.body.rpm, 30);
        assert.equal(patched.body.tpm, 100000, 'fields not in the patch are kept');
        assert.deepEqual(patched.body.models, ['gpt-4o-mini']);
        assert.equal(patched.body.budget_usd, null);
        assert.equal(patched.body.budget_period, 'daily');
        assert.equal(patched.body.expires_at, null);
        assert.deepEqual(patched.body.metadata, {team: 'a2'});
        assert.ok(!('key' in patched.body));
        const afterPatch = await admin.getKey(rec.id);
        assert.equal(afterPatch.name, 'team-a2');
        assert.deepEqual(afterPatch.models, ['gpt-4o-mini']);
        // The patch applies to the next request: gpt-4o is no longer allowed.
        const denied = await chat(gw.url, rec.key, {model: 'gpt-4o', messages: userMessage()});
        assert.equal(denied.status, 403);

        const bad = await admin.request('PATCH', `/admin/keys/${rec.id}`, {colour: 'red'});
        assert.equal(bad.status, 400);
        assert.equal(assertErrorShape(bad.body).param, 'colour');
        const direct = await admin.request('PATCH', `/admin/keys/${rec.id}`, {credits_usd: 100});
        assert.equal(direct.status, 400, 'credits change only through /credits');
        assert.equal(assertErrorShape(direct.body).param, 'credits_usd');
        const badRpm = await admin.request('PATCH', `/admin/keys/${rec.id}`, {rpm: -1});
        assert.equal(badRpm.status, 400);
        assert.equal(assertErrorShape(badRpm.body).param, 'rpm');

        // Top up.
        const before = micros((await admin.getKey(rec.id)).credits_usd);
        const topped =
            await admin.request('POST', `/admin/keys/${rec.id}/credits`, {amount_usd: 1.5});
        assert.equal(topped.status, 200, topped.text);
        assert.equal(micros(topped.body.credits_usd), before + 1500000);
        for (const amount of [0, -1, 'ten']) {
          const r =
              await admin.request('POST', `/admin/keys/${rec.id}/credits`, {amount_usd: amount});
          assert.equal(r.status, 400, `amount_usd ${amount}`);
        }
        const noAmount = await admin.request('POST', `/admin/keys/${rec.id}/credits`, {});
        assert.equal(noAmount.status, 400);

        // Unknown ids.
        for (const [method, p, body] of [
                 ['GET', '/admin/keys/key_doesnotexist', undefined],
                 ['PATCH', '/admin/keys/key_doesnotexist', {name: 'x'}],
                 ['DELETE', '/admin/keys/key_doesnotexist', undefined],
                 ['POST', '/admin/keys/key_doesnotexist/credits', {amount_usd: 1}],
        ]) {
          const r = await admin.request(method, p, body);
          assert.equal(r.status, 404, `${method} ${p}`);
          assertErrorShape(r.body);
        }

        // Revoke.
        const revoked = await admin.request('DELETE', `/admin/keys/${rec.id}`);
        assert.equal(revoked.status, 200, revoked.text);
        assert.equal(revoked.body.revoked, true);
        assert.equal((await admin.getKey(rec.id)).revoked, true);
        const relisted = await admin.request('GET', '/admin/keys');
        assert.equal(relisted.body.data.find((k) => k.id === rec.id).revoked, true);
        const rejected =
            await chat(gw.url, rec.key, {model: 'gpt-4o-mini', messages: userMessage()});
        assert.equal(rejected.status, 401, 'a revoked key is rejected at once');
      });

  test('admin API without, or with a wrong, master key: 401 and nothing learned', async () => {
    const victim = await createKey(admin, {name: 'victim', credits_usd: 1});
    const listBefore = await admin.request('GET', '/admin/keys');
    const probes = [
      ['GET', '/admin/keys', undefined],
      ['POST', '/admin/keys', {name: 'intruder'}],
      ['GET', `/admin/keys/${victim.id}`, undefined],
      ['GET', '/admin/keys/key_doesnotexist', undefined],
      ['PATCH', `/admin/keys/${victim.id}`, {rpm: 1}],
      ['DELETE', `/admin/keys/${victim.id}`, undefined],
      ['POST', `/admin/keys/${victim.id}/credits`, {amount_usd: 1000}],
      ['GET', '/admin/usage?group_by=key', undefined],
      ['GET', '/admin/no-such-endpoint', undefined],
    ];
    const auths = [
      null, 'Bearer wrong-admin-key-0123456789abcdef', `Bearer ${adminKey}x`,
      `Bearer ${adminKey.slice(0, -1)}`,
      adminKey,  // without the Bearer scheme
      `Basic ${Buffer.from(`admin:${adminKey}`).toString('base64')}`,
      `Bearer ${victim.key}`,  // a virtual key is not the master key
    ];
    let reference;
    for (const auth of auths) {
      for (const [method, p, body] of probes) {
        const r = await admin.request(method, p, body, {authorization: auth});
        assert.equal(r.status, 401, `${method} ${p} with ${auth === null ? 'no' : 'a wrong'} key`);
        assertErrorShape(r.body);
        reference ??= r.text;
        assert.equal(r.text, reference, 'every unauthorized answer is the same');
        assert.ok(!r.text.includes(victim.id) && !r.text.includes('victim'));
      }
    }
    const listAfter = await admin.request('GET', '/admin/keys');
    assert.equal(listAfter.body.data.length, listBefore.body.data.length, 'nothing created');
    const v = await admin.getKey(victim.id);
    assert.equal(v.revoked, false);
    assert.equal(v.rpm, 0);
    assert.equal(v.credits_usd, 1);
  });

  test(
      'CLI on the same store: a created key is accepted within ~1.5 s, a revoked one rejected',
      async () => {
        const store = ['--store', `sqlite://${storePath}`];
        const created = await runCli([
          'keys', 'create', ...store, '--name', 'cli-made', '--models', 'gpt-4o-mini', '--rpm',
          '100', '--credits-usd', '0.5'
        ]);
        logs.add(created.stderr);  // stdout shows the secret once, by design
        assert.equal(created.code, 0, created.stderr);
        const id = created.stdout.match(/\b(key_[0-9A-Za-z]+)\b/)?.[1];
        const secret = created.stdout.match(/\b(sk-sy-[0-9A-Za-z]+)\b/)?.[1];
        assert.ok(id && secret, `id and secret printed: ${created.stdout}`);
        secrets.add(secret);
        const createdAt = Date.now();

        const body = {model: 'gpt-4o-mini', messages: userMessage(), max_tokens: 10};
        await waitUntil(
            async () => (await chat(gw.url, secret, body)).status === 200, 3000,
            'the gateway accepts a CLI-created key');
        const took = Date.now() - createdAt;
        assert.ok(took <= 1500, `accepted ${took} ms after creation (key reload is once a second)`);

        const rec = await keyWhen(
            admin, id, (r) => micros(r.credits_usd) < 500000, 'the CLI key is charged');
        assert.equal(rec.name, 'cli-made');
        assert.deepEqual(rec.models, ['gpt-4o-mini']);
        assert.equal(rec.rpm, 100);

        const listed = await runCli(['keys', 'list', ...store]);
        logs.add(listed.stdout + listed.stderr);  // a listing must never show a secret
        assert.equal(listed.code, 0, listed.stderr);
        assert.match(listed.stdout, new RegExp(`${id}\\s+cli-made`));
        assert.ok(!listed.stdout.includes(secret));

        const revoked = await runCli(['keys', 'revoke', ...store, id]);
        logs.add(revoked.stdout + revoked.stderr);
        assert.equal(revoked.code, 0, revoked.stderr);
        const revokedAt = Date.now();
        await waitUntil(
            async () => (await chat(gw.url, secret, body)).status === 401, 3000,
            'the gateway rejects a CLI-revoked key');
        const tookRevoke = Date.now() - revokedAt;
        assert.ok(tookRevoke <= 1500, `rejected ${tookRevoke} ms after revocation`);
        assert.equal((await admin.getKey(id)).revoked, true);

        const unknown = await runCli(['keys', 'revoke', ...store, 'key_doesnotexist']);
        logs.add(unknown.stdout + unknown.stderr);
        assert.notEqual(unknown.code, 0, 'revoking an unknown key fails');
      });

  test(
      'CLI top-up of a key the running gateway has already charged takes effect within ~1.5 s',
      async () => {
        // 1 µ$ of credit: the first request is refused (the counters now know the key).
        const rec = await createKey(admin, {name: 'cli-topup', credits_usd: 0.000001});
        const body = {model: 'gpt-4o-mini', messages: userMessage(), max_tokens: 10};
        const refused = await chat(gw.url, rec.key, body);
        assert.equal(refused.status, 429);
        assert.equal(refused.body.error.code, 'insufficient_quota');

        const topped =
            await runCli(['keys', 'topup', '--store', `sqlite://${storePath}`, rec.id, '1']);
        logs.add(topped.stdout + topped.stderr);
        assert.equal(topped.code, 0, topped.stderr);
        const toppedAt = Date.now();
        let last;
        try {
          await waitUntil(async () => {
            last = await chat(gw.url, rec.key, body);
            return last.status === 200;
          }, 3000, 'the gateway admits the key after a CLI top-up');
        } catch (err) {
          assert.fail(
              `after 'switchyard keys topup ${rec.id} 1' the running gateway still ` +
              `answers ${last?.status} ${JSON.stringify(last?.body)}; admin view: ` +
              `${JSON.stringify(await admin.getKey(rec.id))}`);
        }
        assert.ok(Date.now() - toppedAt <= 1500, `admitted ${Date.now() - toppedAt} ms after`);
      });
});

describe('enforcement', () => {
  test(
      'missing, malformed, unknown, revoked or expired key → 401 that never echoes the key',
      async () => {
        const body = {model: 'gpt-4o-mini', messages: userMessage()};
        const unknown =
            `sk-sy-${crypto.randomBytes(32).toString('base64url').replace(/[-_]/g, 'a')}`;
        const revoked = await createKey(admin, {name: 'to-revoke'});
        assert.equal((await admin.request('DELETE', `/admin/keys/${revoked.id}`)).status, 200);
        const expired = await createKey(
            admin, {name: 'expired', expires_at: Math.floor(Date.now() / 1000) - 60});
        const cases = [
          ['no key', null],
          ['malformed', 'not-a-virtual-key'],
          ['unknown', unknown],
          ['the admin key', adminKey],
          ['revoked', revoked.key],
          ['expired', expired.key],
        ];
        for (const [what, secret] of cases) {
          const r = await chat(gw.url, secret, body);
          assert.equal(r.status, 401, `${what} key: ${JSON.stringify(r.body)}`);
          const e = assertErrorShape(r.body);
          if (secret) assert.ok(!e.message.includes(secret), `${what}: message echoes the key`);
        }
        const models = await fetch(`${gw.url}/v1/models`);
        assert.equal(models.status, 401, '/v1/models needs a key once keys exist');
        await models.arrayBuffer();
      });

  test(
      'model not allowed → 403 naming the model; globs; /v1/models lists only allowed models',
      async () => {
        const only = await createKey(admin, {name: 'only-mini', models: ['gpt-4o-mini']});
        const glob = await createKey(admin, {name: 'glob', models: ['gpt-4o*']});
        const all = await createKey(admin, {name: 'all'});

        const r = await chat(gw.url, only.key, {model: 'gpt-4o', messages: userMessage()});
        assert.equal(r.status, 403);
        const e = assertErrorShape(r.body);
        assert.match(e.message, /gpt-4o\b/, 'the message names the model');
        assert.ok(!e.message.includes('gpt-4o-mini'), 'and not another one');
        assert.equal(
            (await chat(gw.url, only.key, {model: 'gpt-4o-mini', messages: userMessage()})).status,
            200);

        for (const [model, status] of [
                 ['gpt-4o', 200], ['gpt-4o-mini', 200], ['gpt-4.1-mini', 403]]) {
          const g = await chat(gw.url, glob.key, {model, messages: userMessage()});
          assert.equal(g.status, status, `glob key, model ${model}`);
        }

        const ids = async (secret) => {
          const res =
              await fetch(`${gw.url}/v1/models`, {headers: {authorization: `Bearer ${secret}`}});
          assert.equal(res.status, 200);
          const body = await res.json();
          return body.data.map((m) => m.id).sort();
        };
        assert.deepEqual(await ids(only.key), ['gpt-4o-mini']);
        assert.deepEqual(await ids(glob.key), ['gpt-4o', 'gpt-4o-mini']);
        const everything = await ids(all.key);
        for (const m of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1-mini', 'conc-4o', 'broken-mini']) {
          assert.ok(everything.includes(m), `unrestricted key sees ${m}`);
        }
      });

  test('rpm → 429 with Retry-After and x-ratelimit-*-requests', async () => {
    const k = await createKey(admin, {name: 'rpm2', rpm: 2});
    const body = {model: 'gpt-4o-mini', messages: userMessage(), max_tokens: 5};
    const r1 = await chat(gw.url, k.key, body);
    const r2 = await chat(gw.url, k.key, body);
    const r3 = await chat(gw.url, k.key, body);
    assert.equal(r1.status, 200);
    assert.equal(r2.status, 200);
    assert.equal(r1.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(r1.headers.get('x-ratelimit-remaining-requests'), '1');
    assert.equal(r2.headers.get('x-ratelimit-remaining-requests'), '0');
    assert.match(r1.headers.get('x-ratelimit-reset-requests') ?? '', /^(\d+m)?\d+(\.\d+)?(ms|s)$/);
    assert.equal(r3.status, 429, JSON.stringify(r3.body));
    const e = assertErrorShape(r3.body);
    assert.equal(e.code, 'rate_limit_exceeded');
    const retry = Number(r3.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    assert.equal(r3.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(r3.headers.get('x-ratelimit-remaining-requests'), '0');
    assert.match(r3.headers.get('x-ratelimit-reset-requests') ?? '', /^(\d+m)?\d+(\.\d+)?(ms|s)$/);
  });

  test('tpm → 429 with Retry-After and x-ratelimit-*-tokens', async () => {
    const k = await createKey(admin, {name: 'tpm1000', tpm: 1000});
    // long-mini answers exactly max_tokens, so the actual use equals the estimate.
    const body = {model: 'long-mini', messages: userMessage(), max_tokens: 400};
    const r1 = await chat(gw.url, k.key, body);
    assert.equal(r1.status, 200, JSON.stringify(r1.body));
    assert.equal(r1.headers.get('x-ratelimit-limit-tokens'), '1000');
    const remaining1 = Number(r1.headers.get('x-ratelimit-remaining-tokens'));
    assert.ok(remaining1 <= 1000 - 400 && remaining1 > 0, `remaining ${remaining1}`);
    assert.match(r1.headers.get('x-ratelimit-reset-tokens') ?? '', /^(\d+m)?\d+(\.\d+)?(ms|s)$/);
    const r2 = await chat(gw.url, k.key, body);
    assert.equal(r2.status, 200);
    assert.ok(Number(r2.headers.get('x-ratelimit-remaining-tokens')) < remaining1);
    const r3 = await chat(gw.url, k.key, body);
    assert.equal(r3.status, 429, JSON.stringify(r3.body));
    assert.equal(assertErrorShape(r3.body).code, 'rate_limit_exceeded');
    const retry = Number(r3.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    assert.equal(r3.headers.get('x-ratelimit-limit-tokens'), '1000');
    assert.ok(Number(r3.headers.get('x-ratelimit-remaining-tokens')) < 400);
    assert.ok(r3.headers.get('x-ratelimit-reset-tokens'));

    // A request larger than the whole limit can never pass.
    const k2 = await createKey(admin, {name: 'tpm-small', tpm: 100});
    const big = await chat(gw.url, k2.key, {...body, max_tokens: 500});
    assert.equal(big.status, 429);
    assert.equal(big.headers.get('x-ratelimit-limit-tokens'), '100');
  });

  test('max_parallel → 429 while the other request is in flight', async () => {
    const k = await createKey(admin, {name: 'par1', max_parallel: 1});
    const body = {model: 'slow-mini', messages: userMessage(), max_tokens: 5};
    const first = chat(gw.url, k.key, body);
    await sleep(200);
    const second = await chat(gw.url, k.key, body);
    assert.equal(second.status, 429, JSON.stringify(second.body));
    assert.equal(assertErrorShape(second.body).code, 'rate_limit_exceeded');
    assert.ok(Number(second.headers.get('retry-after')) >= 1);
    assert.equal((await first).status, 200);
    assert.equal((await chat(gw.url, k.key, body)).status, 200, 'the slot is free again');
  });

  test('credits or budget exhausted → 429 insufficient_quota; a top-up readmits', async () => {
    const body = {model: 'long-mini', messages: userMessage(), max_tokens: 400};
    // Worst case ≈ 30 prompt + 400 output tokens of gpt-4o-mini ≈ 245 µ$.
    const empty = await createKey(admin, {name: 'empty', credits_usd: 0.0001});
    const e0 = await chat(gw.url, empty.key, body);
    assert.equal(e0.status, 429);
    const err0 = assertErrorShape(e0.body);
    assert.equal(err0.code, 'insufficient_quota');
    assert.equal(err0.type, 'insufficient_quota');
    assert.equal(micros((await admin.getKey(empty.id)).credits_usd), 100, 'nothing charged');

    const one = await createKey(admin, {name: 'one-request', credits_usd: 0.0003});
    const ok = await chat(gw.url, one.key, body);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const cost = costMicros(
        PRICES['gpt-4o-mini'], ok.body.usage.prompt_tokens, ok.body.usage.completion_tokens);
    const left =
        await keyWhen(admin, one.id, (r) => micros(r.spent_usd) > 0, 'the request is settled');
    assert.equal(micros(left.credits_usd), 300 - cost);
    assert.equal(micros(left.spent_usd), cost);
    const refused = await chat(gw.url, one.key, body);
    assert.equal(refused.status, 429);
    assert.equal(assertErrorShape(refused.body).code, 'insufficient_quota');

    const topped =
        await admin.request('POST', `/admin/keys/${one.id}/credits`, {amount_usd: 0.001});
    assert.equal(topped.status, 200);
    assert.equal((await chat(gw.url, one.key, body)).status, 200, 'admitted after a top-up');

    const budget =
        await createKey(admin, {name: 'budget', budget_usd: 0.0003, budget_period: 'daily'});
    assert.equal((await chat(gw.url, budget.key, body)).status, 200);
    const over = await chat(gw.url, budget.key, body);
    assert.equal(over.status, 429);
    assert.equal(assertErrorShape(over.body).code, 'insufficient_quota');
    assert.ok(micros((await admin.getKey(budget.id)).spent_usd) <= 300, 'budget never overspent');
  });
});

describe('the official openai client', () => {
  test('sees OpenAI\'s error classes and codes for 401, 403 and 429', async () => {
    const only = await createKey(admin, {name: 'client-only-mini', models: ['gpt-4o-mini']});
    const poor = await createKey(admin, {name: 'client-poor', credits_usd: 0});
    const client = (apiKey) =>
        new OpenAI({baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0, timeout: 10000});
    const messages = userMessage();
    const ok = await client(only.key).chat.completions.create({model: 'gpt-4o-mini', messages});
    assert.ok(ok.choices[0].message.content.length > 0);
    const e401 = await expectApiError(
        client('sk-sy-unknownunknownunknownunknownunknown0000')
            .chat.completions.create({model: 'gpt-4o-mini', messages}),
        {status: 401});
    assert.ok(e401 instanceof OpenAI.AuthenticationError);
    const e403 = await expectApiError(
        client(only.key).chat.completions.create({model: 'gpt-4o', messages}),
        {status: 403, message: /gpt-4o/});
    assert.ok(e403 instanceof OpenAI.PermissionDeniedError);
    const e429 = await expectApiError(
        client(poor.key).chat.completions.create({model: 'gpt-4o-mini', messages}),
        {status: 429, code: 'insufficient_quota', type: 'insufficient_quota'});
    assert.ok(e429 instanceof OpenAI.RateLimitError);
    const models = [];
    for await (const m of client(only.key).models.list()) models.push(m.id);
    assert.deepEqual(models, ['gpt-4o-mini']);
  });
});

describe('reservations', () => {
  test('an upstream failure releases the reservation without a charge', async () => {
    // Credits for one worst case of long-mini (≈ 245 µ$), not two.
    const k = await createKey(admin, {name: 'release', credits_usd: 0.0004});
    const failing = {model: 'broken-mini', messages: userMessage(), max_tokens: 400};
    for (let i = 0; i < 3; ++i) {
      const r = await chat(gw.url, k.key, failing);
      assert.ok(r.status >= 500, `upstream failure → ${r.status}`);
    }
    const rec = await keyWhen(
        admin, k.id, (r) => micros(r.credits_usd) === 400, 'failed requests cost nothing');
    assert.equal(micros(rec.spent_usd), 0);
    const ok =
        await chat(gw.url, k.key, {model: 'long-mini', messages: userMessage(), max_tokens: 400});
    assert.equal(ok.status, 200, 'the failed requests\' reservations were released');
  });
});

describe('credits under concurrency', () => {
  test(
      '200 parallel requests race credits covering exactly 50: 50 admitted, exact charge',
      async () => {
        const maxTokens = 100;  // conc-4o's emulator answers exactly max_tokens
        // 21 short words: the gateway's prompt count equals the emulator's, so
        // the actual cost equals the reserved worst case.
        const messages = [{role: 'user', content: Array(21).fill('hi').join(' ')}];
        const body = {model: 'conc-4o', messages, max_tokens: maxTokens};

        // The gateway's reservation estimate, read from x-ratelimit-remaining-tokens.
        const probeKey = await createKey(admin, {name: 'probe', tpm: 1000000});
        const probe = await chat(gw.url, probeKey.key, body);
        assert.equal(probe.status, 200);
        const estimated = 1000000 - Number(probe.headers.get('x-ratelimit-remaining-tokens'));
        const promptTokens = estimated - maxTokens;
        assert.equal(
            probe.body.usage.prompt_tokens, promptTokens,
            'test precondition: gateway and emulator count the prompt alike');
        assert.equal(probe.body.usage.completion_tokens, maxTokens);
        const worst = costMicros(PRICES['gpt-4o'], promptTokens, maxTokens);
        assert.ok(worst > 0);

        const credits = 50 * worst;
        const k = await createKey(admin, {name: 'race', credits_usd: credits / 1e6});
        assert.equal(micros(k.credits_usd), credits);

        let minCredits = Infinity;
        let polling = true;
        const poller = (async () => {
          while (polling) {
            const r = await admin.getKey(k.id);
            minCredits = Math.min(minCredits, micros(r.credits_usd));
            await sleep(50);
          }
        })();
        const results = await Promise.all(
            Array.from({length: 200}, () => chat(gw.url, k.key, body, {timeoutMs: 20000})));
        polling = false;
        await poller;

        const statuses = {};
        for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        const admitted = results.filter((r) => r.status === 200);
        assert.deepEqual(statuses, {200: 50, 429: 150});
        for (const r of results.filter((x) => x.status === 429)) {
          assert.equal(r.body.error.code, 'insufficient_quota');
        }
        let charged = 0;
        let promptSum = 0;
        let completionSum = 0;
        for (const r of admitted) {
          const c = costMicros(
              PRICES['gpt-4o'], r.body.usage.prompt_tokens, r.body.usage.completion_tokens);
          assert.equal(c, worst, 'actual cost equals the reserved worst case');
          charged += c;
          promptSum += r.body.usage.prompt_tokens;
          completionSum += r.body.usage.completion_tokens;
        }
        assert.ok(minCredits >= 0, `credits went negative: ${minCredits}`);

        const rec = await keyWhen(
            admin, k.id, (r) => micros(r.spent_usd) >= charged,
            'every admitted request is settled');
        assert.equal(micros(rec.spent_usd), charged);
        assert.equal(micros(rec.credits_usd), credits - charged);
        assert.equal(micros(rec.credits_usd), 0);

        // The ledger agrees after its flush: 200 rows, 150 errors, the exact charge.
        const usage = await waitUntil(async () => {
          const u = await admin.usage({key_id: k.id});
          return u.total.requests >= 200 ? u : undefined;
        }, 5000, 'ledger rows for the race');
        assert.equal(usage.total.requests, 200);
        assert.equal(usage.total.errors, 150);
        assert.equal(usage.total.cost_micros, charged);
        assert.equal(usage.total.prompt_tokens, promptSum);
        assert.equal(usage.total.completion_tokens, completionSum);
        const [row] = await sql(
            storePath, `SELECT spent_micros, credits_micros FROM keys WHERE id='${k.id}'`);
        assert.equal(row.spent_micros, charged, 'durable spent after the flush');
        assert.equal(row.credits_micros, 0, 'durable credits after the flush');
      });
});

describe('settlement of a cancelled stream', () => {
  test('abort mid-stream: charged for the partial usage, ledger row with status 499', async () => {
    const k = await createKey(admin, {name: 'cancel', credits_usd: 1});
    const maxTokens = 400;
    const controller = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {'content-type': 'application/json', authorization: `Bearer ${k.key}`},
      body: JSON.stringify(
          {model: 'stream-mini', messages: userMessage(), max_tokens: maxTokens, stream: true}),
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    const requestId = res.headers.get('x-request-id');
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const deadline = Date.now() + 5000;
    while ((text.match(/"content":"/g) ?? []).length < 6 && Date.now() < deadline) {
      const {value, done} = await reader.read();
      if (done) break;
      text += decoder.decode(value, {stream: true});
    }
    assert.ok((text.match(/"content":"/g) ?? []).length >= 6, 'received some deltas');
    controller.abort();
    await reader.cancel().catch(() => {});

    const [row] = await waitUntil(async () => {
      const rows = await sql(storePath, `SELECT * FROM ledger WHERE key_id='${k.id}'`);
      return rows.length ? rows : undefined;
    }, 5000, 'ledger row of the cancelled stream');
    assert.equal(row.status, 499, JSON.stringify(row));
    if (requestId) assert.equal(row.request_id, requestId);
    assert.ok(
        row.completion_tokens > 0 && row.completion_tokens < maxTokens,
        `partial completion ${row.completion_tokens}`);
    const worst = costMicros(PRICES['gpt-4o-mini'], row.prompt_tokens, maxTokens);
    assert.ok(row.cost_micros > 0 && row.cost_micros <= worst, `cost ${row.cost_micros}`);
    assert.equal(
        row.cost_micros,
        costMicros(PRICES['gpt-4o-mini'], row.prompt_tokens, row.completion_tokens));

    const rec = await admin.getKey(k.id);
    assert.equal(micros(rec.spent_usd), row.cost_micros, 'the key is charged the partial cost');
    assert.equal(micros(rec.credits_usd), 1000000 - row.cost_micros);
    const usage = await admin.usage({key_id: k.id});
    assert.equal(usage.total.requests, 1);
    assert.equal(usage.total.cost_micros, row.cost_micros);
  });
});

describe('ledger', () => {
  test(
      'a row for every request of a mixed load; totals equal the sum of response usage',
      async () => {
        // A gateway of its own, so the ledger holds exactly this load.
        const store = freshStorePath();
        const key = newAdminKey();
        adminKeys.add(key);
        const gwB = await startGateway(governedConfig(store, key));
        try {
          const adm = new AdminClient(gwB.url, key);
          const ok = await createKey(adm, {name: 'mixed-ok'});
          const restricted =
              await createKey(adm, {name: 'mixed-restricted', models: ['gpt-4o-mini']});
          const limited = await createKey(adm, {name: 'mixed-rpm', rpm: 2});
          const broke = await createKey(adm, {name: 'mixed-broke', credits_usd: 0});
          const msg = (i) => userMessage(`item ${i} ${'word '.repeat(i % 7)}`);
          const plan = [];
          for (let i = 0; i < 12; ++i) {
            plan.push({
              model: 'gpt-4o-mini',
              secret: ok.key,
              body: {model: 'gpt-4o-mini', messages: msg(i), max_tokens: 5 + i}
            });
          }
          for (let i = 0; i < 6; ++i) {
            plan.push({
              model: 'gpt-4o-mini',
              secret: ok.key,
              body: {
                model: 'gpt-4o-mini',
                messages: msg(i),
                stream: true,
                stream_options: {include_usage: true}
              }
            });
          }
          for (let i = 0; i < 4; ++i) {
            plan.push({model: 'gpt-4o', secret: ok.key, body: {model: 'gpt-4o', messages: msg(i)}});
          }
          for (let i = 0; i < 3; ++i) {
            plan.push({
              model: 'gpt-4o-mini',
              secret: ok.key,
              body: {model: 'failover-mini', messages: msg(i)}
            });
          }
          for (let i = 0; i < 4; ++i) {
            plan.push({secret: ok.key, body: {model: 'broken-mini', messages: msg(i)}});
          }
          for (let i = 0; i < 2; ++i) {
            plan.push({secret: ok.key, body: {model: 'dead-mini', messages: msg(i)}});
          }
          for (let i = 0; i < 3; ++i)
            plan.push({secret: null, body: {model: 'gpt-4o-mini', messages: msg(i)}});
          for (let i = 0; i < 2; ++i)
            plan.push({
              secret: 'sk-sy-bogus0000000000000000000000000000000000',
              body: {model: 'gpt-4o-mini', messages: msg(i)}
            });
          for (let i = 0; i < 3; ++i)
            plan.push({secret: restricted.key, body: {model: 'gpt-4o', messages: msg(i)}});
          for (let i = 0; i < 2; ++i)
            plan.push({secret: broke.key, body: {model: 'gpt-4o-mini', messages: msg(i)}});
          for (let i = 0; i < 2; ++i)
            plan.push({secret: ok.key, body: '{"model": "gpt-4o-mini", "messages": ['});
          plan.push({secret: ok.key, body: {messages: msg(0)}});
          plan.push({secret: ok.key, body: {model: 'no-such-model', messages: msg(0)}});

          const results = [];
          for (let i = 0; i < plan.length; i += 8) {
            const batch = plan.slice(i, i + 8);
            results.push(...await Promise.all(
                batch.map(async (p) => ({p, r: await chat(gwB.url, p.secret, p.body)}))));
          }
          // rpm 2: sequential so exactly two pass.
          for (let i = 0; i < 4; ++i) {
            const p = {
              model: 'gpt-4o-mini',
              secret: limited.key,
              body: {model: 'gpt-4o-mini', messages: msg(i), max_tokens: 3}
            };
            results.push({p, r: await chat(gwB.url, p.secret, p.body)});
          }

          const sent = results.length;
          const statusCounts = {};
          let prompt = 0;
          let completion = 0;
          let cost = 0;
          const costByModel = {};
          for (const {p, r} of results) {
            statusCounts[r.status] = (statusCounts[r.status] ?? 0) + 1;
            if (r.status !== 200) continue;
            const u = r.body.usage;  // streams: the include_usage chunk
            assert.ok(u, `usage in the response to ${JSON.stringify(p.body).slice(0, 80)}`);
            prompt += u.prompt_tokens;
            completion += u.completion_tokens;
            const c = costMicros(PRICES[p.model], u.prompt_tokens, u.completion_tokens);
            cost += c;
            costByModel[p.model] = (costByModel[p.model] ?? 0) + c;
          }
          for (const s of [200, 401, 403, 429, 400, 404]) {
            assert.ok(
                statusCounts[s] > 0, `the load has ${s} answers: ${JSON.stringify(statusCounts)}`);
          }
          assert.ok(Object.keys(statusCounts).some((s) => Number(s) >= 500), 'upstream failures');
          assert.equal(statusCounts[429], 2 + 2, 'rpm and credits rejections');
          const errors = sent - statusCounts[200];

          const usage = await waitUntil(async () => {
            const u = await adm.usage({group_by: 'model'});
            return u.total.requests >= sent ? u : undefined;
          }, 5000, `ledger has ${sent} rows`);
          await sleep(FLUSH_MS * 2);  // and no more rows come later
          const final = await adm.usage({group_by: 'model'});
          assert.equal(final.total.requests, sent, 'one ledger row per request sent');
          assert.equal(final.total.errors, errors);
          assert.equal(final.total.prompt_tokens, prompt);
          assert.equal(final.total.completion_tokens, completion);
          assert.equal(final.total.cost_micros, cost);
          assert.equal(micros(final.total.cost_usd), cost);
          assert.deepEqual(usage.total, final.total);
          const byModel = Object.fromEntries(final.data.map((g) => [g.group, g]));
          assert.equal(byModel['gpt-4o'].cost_micros, costByModel['gpt-4o']);

          const byKey = await adm.usage({group_by: 'key'});
          const keyGroups = Object.fromEntries(byKey.data.map((g) => [g.group, g]));
          assert.equal(keyGroups[''].requests, 5, 'rejected without a valid key: no key id');
          assert.equal(keyGroups[restricted.id].requests, 3);
          assert.equal(keyGroups[restricted.id].errors, 3);
          assert.equal(keyGroups[limited.id].requests, 4);
          assert.equal(keyGroups[broke.id].cost_micros, 0);
          for (const g of ['day', 'provider']) {
            const other = await adm.usage({group_by: g});
            assert.deepEqual(other.total, final.total, `group_by=${g} total`);
            assert.equal(other.data.reduce((n, x) => n + x.requests, 0), sent);
          }
          const okRec = await adm.getKey(ok.id);
          assert.equal(micros(okRec.spent_usd), keyGroups[ok.id].cost_micros);

          // Row level: one per request, statuses as the clients saw them.
          const rows = await sql(store, 'SELECT * FROM ledger');
          assert.equal(rows.length, sent);
          assert.equal(new Set(rows.map((r) => r.request_id)).size, sent);
          const seen = results.map(({r}) => r.status).sort();
          assert.deepEqual(rows.map((r) => r.status).sort(), seen);
          // Each response's row, by its x-request-id: who, what, and how much.
          const byId = new Map(rows.map((row) => [row.request_id, row]));
          const keyIds = new Map([
            [ok.key, ok.id], [restricted.key, restricted.id], [limited.key, limited.id],
            [broke.key, broke.id]
          ]);
          for (const {p, r} of results) {
            const id = r.headers.get('x-request-id');
            assert.ok(id, 'every response carries x-request-id');
            const row = byId.get(id);
            assert.ok(row, `a ledger row for request ${id} (${r.status})`);
            const what = `row ${JSON.stringify(row)}`;
            assert.equal(row.status, r.status, what);
            assert.equal(row.key_id, r.status === 401 ? '' : keyIds.get(p.secret), what);
            // (401s are refused before the body is parsed.)
            if (typeof p.body === 'object' && p.body.model && r.status !== 401) {
              assert.equal(row.requested_model, p.body.model, what);
            }
            if (r.status === 200) {
              const u = r.body.usage;
              assert.equal(row.prompt_tokens, u.prompt_tokens, what);
              assert.equal(row.completion_tokens, u.completion_tokens, what);
              assert.equal(
                  row.cost_micros,
                  costMicros(PRICES[p.model], u.prompt_tokens, u.completion_tokens), what);
              assert.equal(row.upstream_model, p.model, what);
              assert.equal(row.error_class, '', what);
              assert.equal(row.attempts, p.body.model === 'failover-mini' ? 2 : 1, what);
              if (p.body.stream) assert.ok(row.ttft_ms >= 0, `streams record ttft: ${what}`);
            } else {
              assert.equal(row.cost_micros, 0, what);
              assert.notEqual(row.error_class, '', `a failure has an error class: ${what}`);
            }
            assert.ok(row.latency_ms >= 0 && row.latency_ms < 20000, what);
          }

          // The CLI report prints the same totals.
          const cli = await runCli(['usage', '--store', `sqlite://${store}`]);
          logs.add(cli.stdout + cli.stderr);
          assert.equal(cli.code, 0, cli.stderr);
          const total = cli.stdout.split('\n').find((l) => /^TOTAL\b/.test(l));
          assert.ok(total, cli.stdout);
          const cols = total.trim().split(/\s+/);
          assert.equal(Number(cols[1]), sent);
          assert.equal(Number(cols[2]), errors);
          assert.equal(Number(cols[3]), prompt);
          assert.equal(Number(cols[4]), completion);
          assert.equal(micros(cols[cols.length - 1]), cost);
        } finally {
          await gwB.stop();
        }
      });

  test(
      'SIGKILL during load, then restart: the store opens, at most the flush window is lost',
      async (t) => {
        const flushMs = 500;
        const store = freshStorePath();
        const key = newAdminKey();
        adminKeys.add(key);
        const config = governedConfig(store, key, {flush: `${flushMs}ms`});
        let gwC = await startGateway(config);
        try {
          const adm = new AdminClient(gwC.url, key);
          const k = await createKey(adm, {name: 'crash', credits_usd: 100});
          const body = {model: 'gpt-4o-mini', messages: userMessage(), max_tokens: 8};
          const answered = [];
          let attempts = 0;
          let stop = false;
          const url = gwC.url;
          const loop = async () => {
            while (!stop) {
              attempts += 1;
              try {
                const r = await chat(url, k.key, body, {timeoutMs: 3000});
                if (r.status === 200) answered.push({at: r.at, id: r.headers.get('x-request-id')});
              } catch {
                return;  // the gateway is gone
              }
            }
          };
          const loops = Array.from({length: 6}, loop);
          await sleep(1500);
          const killAt = Date.now();
          gwC.child.signalChild('SIGKILL');
          stop = true;
          await gwC.child.waitForExit(3000);
          await Promise.all(loops);
          assert.equal(gwC.child.signal, 'SIGKILL');
          const before = answered.filter((a) => a.at <= killAt);
          assert.ok(before.length >= 20, `load before the kill: ${before.length} answers`);
          // Rows of requests answered more than one flush interval (plus a
          // little scheduling slack) before the kill must have been committed.
          const slackMs = 250;
          const mustHave = before.filter((a) => a.at < killAt - flushMs - slackMs);

          gwC = await startGateway(config);
          const adm2 = new AdminClient(gwC.url, key);
          const [check] = await sql(store, 'PRAGMA integrity_check');
          assert.equal(Object.values(check)[0], 'ok');
          const rows =
              await sql(store, `SELECT request_id, time_ms FROM ledger WHERE key_id='${k.id}'`);
          const ids = new Set(rows.map((r) => r.request_id));
          const missing = mustHave.filter((a) => a.id && !ids.has(a.id));
          assert.equal(
              missing.length, 0,
              `${missing.length} of ${mustHave.length} rows answered > ${flushMs} ms ` +
                  `before the kill are missing`);
          const lost = before.filter((a) => a.id && !ids.has(a.id));
          t.diagnostic(
              `${attempts} requests, ${before.length} answered before the kill, ` +
              `${rows.length} rows after restart, ${lost.length} lost; oldest lost ` +
              `answered ${lost.length ? killAt - Math.min(...lost.map((a) => a.at)) : 0} ` +
              `ms before the kill`);
          assert.ok(rows.length >= mustHave.length);
          assert.ok(rows.length <= attempts, `${rows.length} rows for ${attempts} requests`);
          const usage = await adm2.usage({key_id: k.id});
          assert.equal(usage.total.requests, rows.length);
          // Balances match the ledger: debits commit with their rows.
          const rec = await adm2.getKey(k.id);
          assert.equal(micros(rec.spent_usd), usage.total.cost_micros);
          assert.equal(micros(rec.credits_usd), 100000000 - usage.total.cost_micros);
          // The restarted gateway serves and records.
          const again = await chat(gwC.url, k.key, body);
          assert.equal(again.status, 200);

          // A graceful stop loses nothing.
          const {code} = await gwC.stop();
          assert.equal(code, 0, 'SIGTERM exits cleanly');
          const [{n}] = await sql(store, `SELECT count(*) AS n FROM ledger WHERE key_id='${k.id}'`);
          assert.equal(n, rows.length + 1, 'the row of the last request survives a graceful stop');
        } finally {
          await gwC.stop();
        }
      });
});

describe('logs', () => {
  test(
      'no key secret, admin key or prompt text in the gateway logs (log_level debug)', async () => {
        await gw.stop();  // flush everything the shared gateway would still print
        const text = logs.text;
        assert.ok(text.length > 0);
        assert.match(text, /\bdebug\b/, 'debug lines were captured');
        assert.ok(secrets.size >= 10, `checked ${secrets.size} secrets`);
        for (const s of secrets) {
          assert.ok(!text.includes(s), `a virtual key secret (${s.slice(0, 10)}…) was logged`);
        }
        for (const k of adminKeys) assert.ok(!text.includes(k), 'the admin key was logged');
        assert.ok(!text.includes(PROMPT_MARKER), 'prompt text was logged');
        assert.doesNotMatch(text, /sk-sy-[0-9A-Za-z]{12,}/, 'something like a secret was logged');
      });
});
