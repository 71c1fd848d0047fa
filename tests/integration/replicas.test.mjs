// Scale-out end to end (issue 6): gateway replicas sharing one private Redis
// (counters, reservations, notices) and one private PostgreSQL (keys, credit
// grants, ledger), the provider emulator as upstream. One global rate limit
// and one credit balance under parallel load across two replicas; revocation
// seen by the other replica within a second; PostgreSQL stopped and restarted
// during load with no ledger row lost or doubled; Redis killed and hung under
// `on_counter_failure: open` and `closed` with no request hanging; schema
// migration from an empty database and its idempotent re-run; a replica
// SIGKILLed mid-load while the survivor keeps serving.
//
// A partition that keeps Redis's data: spend admitted by the open fallback
// is reconciled into Redis once it heals (no overspend). A hung Redis that
// resumes: admissions that timed out reserve nothing (no leaked balance).
//
// Not covered: a SIGKILLed replica's Redis reservations coming back to the
// balance. They expire after reservation_ttl (15 min by default, and it must
// exceed upstream.total_timeout), far beyond this file's time; tests/store
// covers expiry with a short TTL.
import assert from 'node:assert/strict';
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
  newAdminKey,
  runCli,
  usdToMicros,
  waitUntil,
} from './lib/governance_helpers.mjs';
import {sleep} from './lib/process.mjs';
import {PrivatePostgres, PrivateRedis} from './lib/servers.mjs';

// Catalog prices (catalog/models.yaml), USD per million tokens.
const PRICES = {'gpt-4o': {input: 2.50, output: 10.00}};
const FLUSH_MS = 200;
// The most any response may take while Redis or PostgreSQL is away.
const NO_HANG_MS = 2000;

const tempDirs = [];
process.on('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, {recursive: true, force: true});
});

let emu;
let pg;
let redis;
const gateways = [];

// A fresh ledger spool path for one replica.
function spoolPath() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-spool-'));
  tempDirs.push(dir);
  return path.join(dir, 'ledger.spool');
}

function replicaConfig({store, counters, adminKey, onFailure = 'open', replicas = 2}) {
  return baseConfig(
      {
        emu: emulatorProvider(emu),
        emu_conc: emulatorProvider(emu, 'latency=1000,tokens=100'),
        emu_100: emulatorProvider(emu, 'tokens=100'),
      },
      [
        {name: 'gpt-4o-mini', deployments: [{provider: 'emu', model: 'gpt-4o-mini'}]},
        {name: 'conc-4o', deployments: [{provider: 'emu_conc', model: 'gpt-4o'}]},
        {name: 'fast-4o', deployments: [{provider: 'emu_100', model: 'gpt-4o'}]},
      ],
      {
        admin_key: adminKey,
        // A replica whose key table is still empty would otherwise serve
        // without keys until its first reload.
        require_keys: true,
        store,
        counters,
        on_counter_failure: onFailure,
        replicas,
        ledger: {flush_interval: `${FLUSH_MS}ms`, spool: spoolPath()},
      });
}

async function startReplica(config) {
  const gw = await Gateway.start(config);
  gw.spool = config.ledger.spool;
  gateways.push(gw);
  return gw;
}

const message = [{role: 'user', content: 'Say hello.'}];

// POST /v1/chat/completions that never throws: a transport failure (replica
// gone) is {status: 0, error}. Records which replica answered and when.
async function send(gw, secret, body, name = '') {
  const startedAt = Date.now();
  try {
    const r = await chat(gw.url, secret, body, {timeoutMs: 10000});
    return {...r, replica: name, startedAt, code: r.body?.error?.code};
  } catch (err) {
    return {status: 0, error: err.message, replica: name, startedAt, ms: Date.now() - startedAt};
  }
}

// `workers` loops sending requests round-robin over `targets` ([{gw, name}])
// until `stop()` is called; resolves every response once all loops ended.
function startLoad(targets, secret, body, {workers = 4, pauseMs = 10} = {}) {
  let running = true;
  const results = [];
  const loops = Array.from({length: workers}, async (_, w) => {
    for (let i = w; running; ++i) {
      const live = targets.filter((t) => !t.skip);
      const t = live[i % live.length];
      results.push(await send(t.gw, secret, body, t.name));
      await sleep(pauseMs);
    }
  });
  return {
    results,
    async stop() {
      running = false;
      await Promise.all(loops);
      return results;
    },
  };
}

function countBy(results, field = 'status') {
  const out = {};
  for (const r of results) out[r[field]] = (out[r[field]] ?? 0) + 1;
  return out;
}

function slowest(results) {
  return results.reduce((m, r) => Math.max(m, r.ms ?? 0), 0);
}

// Waits until `gw` knows key `secret` (its key table reloaded): GET
// /v1/models authenticates without touching the rate limit or the balance.
async function knownBy(gw, secret) {
  await waitUntil(async () => {
    const res = await fetch(`${gw.url}/v1/models`, {
      headers: {authorization: `Bearer ${secret}`},
      signal: AbortSignal.timeout(2000),
    });
    await res.arrayBuffer();
    return res.status === 200;
  }, 3000, `replica ${gw.url} knows the new key`);
}

// A gpt-4o request whose actual cost equals its reserved worst case: the
// emulator answers exactly max_tokens, and 21 short words are counted alike
// by the gateway and the emulator.
function pricedBody(model) {
  return {
    model,
    messages: [{role: 'user', content: Array(21).fill('hi').join(' ')}],
    max_tokens: 100,
  };
}

// The gateway's worst-case cost of `body` in micro-dollars (prompt tokens +
// max_tokens at catalog prices), its estimate read from
// x-ratelimit-remaining-tokens of a probe request.
async function worstCase(gw, admin, body) {
  const probeKey = await admin.createKey({name: 'probe', tpm: 1000000});
  const probe = await send(gw, probeKey.key, body);
  assert.equal(probe.status, 200, JSON.stringify(probe.body));
  const estimated = 1000000 - Number(probe.headers.get('x-ratelimit-remaining-tokens'));
  const promptTokens = estimated - body.max_tokens;
  assert.equal(probe.body.usage.prompt_tokens, promptTokens, 'precondition: same count');
  assert.equal(probe.body.usage.completion_tokens, body.max_tokens);
  const worst = costMicros(PRICES['gpt-4o'], promptTokens, body.max_tokens);
  assert.ok(worst > 0);
  return worst;
}

before(async () => {
  // Sequential: the machine running the tests may be small.
  emu = await Emulator.start();
  pg = await PrivatePostgres.start();
  redis = await PrivateRedis.start();
});

after(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await emu?.stop();
  await redis?.stop();
  await pg?.stop();
});

describe('two replicas sharing Redis and PostgreSQL', () => {
  let a;
  let b;
  let adminA;
  let adminB;
  const targets = () => [{gw: a, name: 'A'}, {gw: b, name: 'B'}];

  before(async () => {
    await pg.createDatabase('shared');
    const adminKey = newAdminKey();
    const cfg = () => replicaConfig({store: pg.url('shared'), counters: redis.url, adminKey});
    a = await startReplica(cfg());
    b = await startReplica(cfg());
    adminA = new AdminClient(a.url, adminKey);
    adminB = new AdminClient(b.url, adminKey);
  });

  test(
      'one global requests-per-minute limit: rpm=20, 60 parallel → exactly 20 admitted',
      async (t) => {
        const k = await adminA.createKey({name: 'rpm20', rpm: 20});
        await knownBy(b, k.key);
        const body = {model: 'gpt-4o-mini', messages: message, max_tokens: 5};
        const started = Date.now();
        const results = await Promise.all(Array.from(
            {length: 60}, (_, i) => send(i % 2 ? b : a, k.key, body, i % 2 ? 'B' : 'A')));
        const spanMs = Date.now() - started;
        t.diagnostic(`burst of 60 took ${spanMs} ms`);
        // The bucket refills one request every 3 s: a burst slower than
        // that could legitimately admit a 21st.
        assert.ok(spanMs < 3000, `the burst took ${spanMs} ms (≥ 3 s refills a request)`);
        assert.deepEqual(countBy(results), {200: 20, 429: 40}, JSON.stringify(countBy(results)));
        for (const r of results.filter((x) => x.status === 429)) {
          assert.equal(r.code, 'rate_limit_exceeded');
        }
        const byReplica = countBy(results.filter((r) => r.status === 429), 'replica');
        assert.ok(
            byReplica.A > 0 && byReplica.B > 0,
            `both replicas refuse: ${JSON.stringify(byReplica)}`);
      });

  test(
      '200 parallel requests on a balance covering 50: exactly 50 admitted, never overspent',
      async () => {
        const body = pricedBody('conc-4o');
        const worst = await worstCase(a, adminA, body);

        const credits = 50 * worst;
        const k = await adminA.createKey({name: 'race', credits_usd: credits / 1e6});
        assert.equal(usdToMicros(k.credits_usd), credits);
        await knownBy(b, k.key);

        let minCredits = Infinity;
        let polling = true;
        const poller = (async () => {
          while (polling) {
            for (const admin of [adminA, adminB]) {
              const r = await admin.getKey(k.id);
              minCredits = Math.min(minCredits, usdToMicros(r.credits_usd));
            }
            await sleep(50);
          }
        })();
        const results = await Promise.all(Array.from(
            {length: 200}, (_, i) => send(i % 2 ? b : a, k.key, body, i % 2 ? 'B' : 'A')));
        polling = false;
        await poller;

        assert.deepEqual(countBy(results), {200: 50, 429: 150}, JSON.stringify(countBy(results)));
        for (const r of results.filter((x) => x.status === 429)) {
          assert.equal(r.code, 'insufficient_quota');
        }
        const admitted = results.filter((r) => r.status === 200);
        let charged = 0;
        for (const r of admitted) {
          charged += costMicros(
              PRICES['gpt-4o'], r.body.usage.prompt_tokens, r.body.usage.completion_tokens);
        }
        assert.equal(charged, credits, 'each admitted request cost its reserved worst case');
        assert.ok(minCredits >= 0, `credits went negative: ${minCredits}`);

        // After settlement and the ledger flush, both replicas agree: all
        // spent, nothing below zero, one ledger row per request.
        for (const admin of [adminA, adminB]) {
          let last;
          await waitUntil(async () => {
            last = await admin.getKey(k.id);
            return usdToMicros(last.spent_usd) >= charged;
          }, 5000, 'every admitted request is settled').catch(() => {
            assert.fail(`key record: ${JSON.stringify(last)}`);
          });
          assert.equal(usdToMicros(last.spent_usd), charged);
          assert.equal(usdToMicros(last.credits_usd), 0, 'credits never negative');
        }
        const usage = await waitUntil(async () => {
          const u = await adminB.usage({key_id: k.id});
          return u.total.requests >= 200 ? u : undefined;
        }, 5000, 'ledger rows for the race');
        assert.equal(usage.total.requests, 200);
        assert.equal(usage.total.errors, 150);
        assert.equal(usage.total.cost_micros, charged);
        const [[spent, left]] = await pg.query(
            `SELECT spent_micros, credits_micros FROM keys WHERE id = '${k.id}'`, 'shared');
        assert.equal(Number(spent), charged, 'durable spent');
        assert.equal(Number(left), 0, 'durable credits');
      });

  test('a key revoked on replica A is rejected on replica B within one second', async (t) => {
    const k = await adminA.createKey({name: 'to-revoke'});
    await knownBy(b, k.key);
    const body = {model: 'gpt-4o-mini', messages: message, max_tokens: 5};
    assert.equal((await send(b, k.key, body)).status, 200);

    const revoked = await adminA.request('DELETE', `/admin/keys/${k.id}`);
    assert.equal(revoked.status, 200, revoked.text);
    const revokedAt = Date.now();
    let first401;
    while (Date.now() - revokedAt < 3000) {
      const r = await send(b, k.key, body);
      if (r.status === 401) {
        first401 = Date.now();
        break;
      }
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await sleep(20);
    }
    assert.ok(first401, 'replica B never rejected the revoked key');
    t.diagnostic(`replica B rejected the key ${first401 - revokedAt} ms after the DELETE`);
    assert.ok(
        first401 - revokedAt <= 1000, `replica B rejected it after ${first401 - revokedAt} ms`);
    assert.equal((await send(a, k.key, body)).status, 401, 'and replica A at once');
  });

  test(
      'PostgreSQL stopped during load and restarted: all served, ledger rows = requests',
      async (t) => {
        const k = await adminA.createKey({name: 'pg-outage'});
        await knownBy(b, k.key);
        const body = {model: 'gpt-4o-mini', messages: message, max_tokens: 5};
        const load = startLoad(targets(), k.key, body);
        await sleep(500);
        await pg.stop();
        const downAt = Date.now();
        const before = load.results.length;
        // The admin API needs the database: a bounded error, not a hang.
        const adminStarted = Date.now();
        const refused = await adminA.request('POST', '/admin/keys', {name: 'during-outage'});
        const adminMs = Date.now() - adminStarted;
        await sleep(Math.max(0, 1500 - adminMs));
        const duringOutage = load.results.length - before;
        const spooled = [a, b].map((g) => (fs.existsSync(g.spool) ? fs.statSync(g.spool).size : 0));
        await pg.start();
        await sleep(500);
        const results = await load.stop();

        assert.ok(duringOutage >= 10, `only ${duringOutage} requests while PostgreSQL was away`);
        assert.ok(
            spooled[0] > 0 && spooled[1] > 0,
            `both replicas spool rows to disk during the outage: spool bytes ${spooled}`);
        const outageResults = results.filter((r) => r.startedAt >= downAt);
        assert.deepEqual(countBy(results), {200: results.length}, 'every request served');
        t.diagnostic(`POST /admin/keys without the database: ${refused.status} in ${adminMs} ms`);
        assert.ok(refused.status >= 500, `admin write without the database: ${refused.status}`);
        assert.ok(adminMs < 5000, `admin write without the database took ${adminMs} ms`);
        assert.ok(slowest(outageResults) < NO_HANG_MS, `slowest ${slowest(outageResults)} ms`);

        // After the database returns and a flush interval, the spooled rows
        // are replayed: one row per request, no duplicates.
        const served = results.length;
        t.diagnostic(`${served} requests served, ${duringOutage} while PostgreSQL was away`);
        let counted;
        await waitUntil(async () => {
          counted = await pg.query(
              `SELECT count(*), count(DISTINCT request_id) FROM ledger WHERE key_id = '${k.id}'`,
              'shared');
          return Number(counted[0][0]) >= served;
        }, 10000, 'ledger rows replayed').catch(() => {});
        await sleep(3 * FLUSH_MS);  // a late duplicate would show up by now
        counted = await pg.query(
            `SELECT count(*), count(DISTINCT request_id) FROM ledger WHERE key_id = '${k.id}'`,
            'shared');
        assert.equal(Number(counted[0][0]), served, 'ledger rows = requests served');
        assert.equal(Number(counted[0][1]), served, 'no duplicate request ids');
        const usage = await adminA.usage({key_id: k.id});
        assert.equal(usage.total.requests, served);
        // The request ids the clients saw are exactly the ledger's.
        const ids = new Set(results.map((r) => r.headers.get('x-request-id')));
        assert.ok(!ids.has(null), 'every response names its request id');
        assert.equal(ids.size, served, 'request ids are unique');
        const rows =
            await pg.query(`SELECT request_id FROM ledger WHERE key_id = '${k.id}'`, 'shared');
        assert.deepEqual(new Set(rows.map((row) => row[0])), ids);
      });

  test(
      'requests that reuse a client X-Request-Id each get a ledger row and a durable charge',
      async () => {
        const k = await adminA.createKey({name: 'reused-id', credits_usd: 1});
        await knownBy(b, k.key);
        const body = {model: 'gpt-4o-mini', messages: message, max_tokens: 5};
        const headers = {'x-request-id': `client-chosen-${Date.now()}`};
        let charged = 0;
        for (const gw of [a, b, a]) {
          const r = await chat(gw.url, k.key, body, {headers});
          assert.equal(r.status, 200);
          charged += costMicros(
              {input: 0.15, output: 0.60}, r.body.usage.prompt_tokens,
              r.body.usage.completion_tokens);
        }
        await sleep(4 * FLUSH_MS);
        const [[rows, spent]] = await pg.query(
            `SELECT (SELECT count(*) FROM ledger WHERE key_id = '${k.id}'), spent_micros ` +
                `FROM keys WHERE id = '${k.id}'`,
            'shared');
        assert.equal(Number(rows), 3, 'one ledger row per request');
        assert.equal(Number(spent), charged, 'durable spent covers every request');
      });

  test('a replica SIGKILLed mid-load: the survivor keeps serving', async () => {
    const k = await adminA.createKey({name: 'survivor', rpm: 100000});
    await knownBy(b, k.key);
    const body = {model: 'gpt-4o-mini', messages: message, max_tokens: 5};
    const t = targets();
    const load = startLoad(t, k.key, body);
    await sleep(500);
    b.child.signalChild('SIGKILL');
    await b.child.waitForExit(5000);
    const killedAt = Date.now();
    t[1].skip = true;  // a balancer takes the dead replica out
    await sleep(1000);
    const results = await load.stop();

    assert.equal(b.child.signal, 'SIGKILL');
    const fromA = results.filter((r) => r.replica === 'A');
    assert.deepEqual(countBy(fromA), {200: fromA.length}, 'replica A answered everything');
    const afterKill = fromA.filter((r) => r.startedAt >= killedAt);
    assert.ok(afterKill.length >= 5, `only ${afterKill.length} requests after the kill`);
    assert.ok(slowest(afterKill) < NO_HANG_MS, `slowest ${slowest(afterKill)} ms`);
    // Requests B admitted and finished before it died are settled; A keeps
    // recording in the shared ledger.
    const served = results.filter((r) => r.status === 200).length;
    await waitUntil(async () => {
      const u = await adminA.usage({key_id: k.id});
      return u.total.requests >= fromA.length;
    }, 5000, 'replica A\'s ledger rows');
    const u = await adminA.usage({key_id: k.id});
    assert.ok(u.total.requests <= served, `ledger ${u.total.requests} > served ${served}`);
  });
});

describe('Redis unreachable', () => {
  let r2;
  let open;
  let closed;
  let adminOpen;
  let unlimited;
  let rpm20;
  let tpmProbe;
  const body = {model: 'gpt-4o-mini', messages: message, max_tokens: 5};

  before(async () => {
    r2 = await PrivateRedis.start();
    await pg.createDatabase('redis_faults');
    const adminKey = newAdminKey();
    const cfg = (onFailure) =>
        replicaConfig({store: pg.url('redis_faults'), counters: r2.url, adminKey, onFailure});
    open = await startReplica(cfg('open'));
    closed = await startReplica(cfg('closed'));
    adminOpen = new AdminClient(open.url, adminKey);
    unlimited = await adminOpen.createKey({name: 'unlimited'});
    rpm20 = await adminOpen.createKey({name: 'rpm20-local', rpm: 20});
    tpmProbe = await adminOpen.createKey({name: 'tpm-probe', tpm: 1000000});
    await knownBy(open, tpmProbe.key);
    await knownBy(closed, unlimited.key);
    await knownBy(closed, rpm20.key);
  });

  after(async () => {
    await r2?.stop();
  });

  test('killed during load: open keeps serving, closed answers 503, nothing hangs', async () => {
    for (const gw of [open, closed])
      assert.equal((await send(gw, unlimited.key, body)).status, 200);
    const load =
        startLoad([{gw: open, name: 'open'}, {gw: closed, name: 'closed'}], unlimited.key, body);
    await sleep(400);
    await r2.kill();
    const killedAt = Date.now();
    await sleep(1500);
    const results = await load.stop();

    assert.ok(slowest(results) < NO_HANG_MS, `slowest response ${slowest(results)} ms`);
    const opened = results.filter((r) => r.replica === 'open');
    assert.deepEqual(countBy(opened), {200: opened.length}, 'open: every request served');
    // Requests already past admission when Redis died may still succeed.
    const refused = results.filter((r) => r.replica === 'closed' && r.startedAt > killedAt + 100);
    assert.ok(refused.length >= 5, `only ${refused.length} requests to the closed replica`);
    for (const r of refused) {
      assert.equal(r.status, 503, JSON.stringify(r.body));
      assert.equal(r.code, 'counters_unavailable');
    }

    // Open fallback: each of the 2 replicas enforces its share, rpm 20 / 2.
    const burst = await Promise.all(Array.from({length: 30}, () => send(open, rpm20.key, body)));
    assert.deepEqual(countBy(burst), {200: 10, 429: 20}, JSON.stringify(countBy(burst)));
    assert.ok(slowest(burst) < NO_HANG_MS, `slowest ${slowest(burst)} ms`);
    const c = await send(closed, rpm20.key, body);
    assert.equal(c.status, 503);
    assert.equal(c.code, 'counters_unavailable');
  });

  test('Redis back: the closed replica admits again; hung Redis: bounded answers', async () => {
    await r2.start();
    // Reconnects back off up to 2 s.
    await waitUntil(
        async () => (await send(closed, unlimited.key, body)).status === 200, 6000,
        'the closed replica admits once Redis is back', 100);

    // A hung server (SIGSTOP): connections stay open, nothing answers. Every
    // request still gets its answer within the bounded timeouts.
    r2.pause();
    try {
      const results = await Promise.all([
        ...Array.from({length: 10}, () => send(open, unlimited.key, body, 'open')),
        ...Array.from({length: 10}, () => send(closed, unlimited.key, body, 'closed')),
      ]);
      assert.ok(slowest(results) < NO_HANG_MS, `slowest response ${slowest(results)} ms`);
      assert.deepEqual(countBy(results.filter((r) => r.replica === 'open')), {200: 10});
      for (const r of results.filter((x) => x.replica === 'closed')) {
        assert.equal(r.status, 503, JSON.stringify(r.body));
        assert.equal(r.code, 'counters_unavailable');
      }
    } finally {
      r2.resume();
    }
  });

  // Resolves once both replicas admit through Redis again (each reconnects
  // on its own backoff, up to 2 s): the closed one admits at all; the open one
  // reports the whole token limit, not its local half.
  async function redisBack() {
    await waitUntil(
        async () => (await send(closed, unlimited.key, body)).status === 200, 6000,
        'the closed replica admits once Redis is back', 100);
    await waitUntil(async () => {
      const r = await send(open, tpmProbe.key, body);
      return r.status === 200 && Number(r.headers.get('x-ratelimit-remaining-tokens')) > 500000;
    }, 6000, 'the open replica admits through Redis again', 100);
  }

  test(
      'credits spent in open fallback during a partition still count once Redis is back',
      async (t) => {
        await redisBack();  // the previous test hung Redis
        const priced = pricedBody('fast-4o');
        const worst = await worstCase(open, adminOpen, priced);
        const k = await adminOpen.createKey({name: 'partition', credits_usd: 10 * worst / 1e6});
        const results = [];
        for (let i = 0; i < 2; ++i) results.push(await send(open, k.key, priced, 'before'));
        // The replicas' key tables (their fallback's view of the balance)
        // learn those 2 after the ledger flush and the next reload.
        await waitUntil(
            async () => Number(await pg.scalar(
                            `SELECT credits_micros FROM keys WHERE id = '${k.id}'`,
                            'redis_faults')) === 8 * worst,
            5000, 'the first 2 requests are in the ledger');
        await sleep(1100);
        await r2.partition();  // Redis keeps its data, no replica reaches it
        try {
          await waitUntil(
              async () => (await send(closed, unlimited.key, body)).status === 503, 3000,
              'the closed replica sees the partition', 50);
          for (let i = 0; i < 8; ++i) results.push(await send(open, k.key, priced, 'during'));
        } finally {
          await r2.heal();
        }
        await redisBack();
        // The open replica replays what it spent into Redis on its own (no
        // request needed), so the other replica sees the 4 left at once.
        const adminClosed = new AdminClient(closed.url, adminOpen.adminKey);
        await waitUntil(
            async () =>
                usdToMicros((await adminClosed.getKey(k.id)).credits_usd) === 4 * worst,
            5000, 'Redis\'s balance includes the partition\'s spend', 50);
        for (let i = 0; i < 12; ++i) results.push(await send(open, k.key, priced, 'after'));
        const admitted = (phase) =>
            results.filter((r) => r.replica === phase && r.status === 200).length;
        t.diagnostic(`admitted before ${admitted('before')}, during the partition ${
            admitted('during')}, after ${admitted('after')}`);
        assert.equal(admitted('before'), 2);
        assert.equal(admitted('during'), 4, 'the local share: half of the 8 left');
        assert.equal(admitted('after'), 4, 'only what the partition left');
        let left;
        await waitUntil(async () => {
          // One statement: the balance and the rows from the same snapshot
          // (a flush commits both together).
          const [[credits, rows]] = await pg.query(
              `SELECT credits_micros, (SELECT count(*) FROM ledger WHERE key_id = '${k.id}') ` +
                  `FROM keys WHERE id = '${k.id}'`,
              'redis_faults');
          left = Number(credits);
          return Number(rows) === results.length;
        }, 5000, 'every row in the ledger');
        assert.equal(left, 0, 'exactly the credits were spent, never more');
        assert.equal(usdToMicros((await adminClosed.getKey(k.id)).credits_usd), 0);
      });

  test(
      'a hung Redis that resumes leaks no reservation: the key keeps its credits',
      async (t) => {
        await redisBack();
        const priced = pricedBody('fast-4o');
        const worst = await worstCase(open, adminOpen, priced);
        const k = await adminOpen.createKey({name: 'hang', credits_usd: 10 * worst / 1e6});
        await knownBy(closed, k.key);
        r2.pause();
        try {
          // The closed replica refuses them all: nothing is spent.
          for (let i = 0; i < 4; ++i) {
            const r = await send(closed, k.key, priced);
            assert.equal(r.status, 503, JSON.stringify(r.body));
          }
        } finally {
          r2.resume();
        }
        await redisBack();
        const after = [];
        for (let i = 0; i < 11; ++i) after.push(await send(open, k.key, priced));
        t.diagnostic(`after the hang: ${JSON.stringify(countBy(after))}`);
        assert.deepEqual(
            countBy(after), {200: 10, 429: 1}, 'all 10 worst cases are still available');
      });
});

describe('schema migration', () => {
  test('`switchyard migrate` on an empty database, then an idempotent re-run', async () => {
    await pg.createDatabase('migrate_empty');
    const url = pg.url('migrate_empty');
    const tables = () => pg.query(
        'SELECT tablename FROM pg_tables WHERE schemaname = \'public\' ORDER BY tablename',
        'migrate_empty');
    assert.deepEqual(await tables(), [], 'precondition: empty');

    const first = await runCli(['migrate', url]);
    assert.equal(first.code, 0, `${first.stdout}${first.stderr}`);
    const names = (await tables()).map((r) => r[0]);
    for (const t of ['credit_grants', 'keys', 'ledger', 'schema_migrations']) {
      assert.ok(names.includes(t), `table ${t} in ${names}`);
    }
    const versions = await pg.query('SELECT version FROM schema_migrations', 'migrate_empty');
    assert.ok(versions.length >= 1);

    const second = await runCli(['migrate', url]);
    assert.equal(second.code, 0, `${second.stdout}${second.stderr}`);
    assert.deepEqual((await tables()).map((r) => r[0]), names, 'no table added or dropped');
    assert.deepEqual(
        await pg.query('SELECT version FROM schema_migrations', 'migrate_empty'), versions,
        'no migration applied twice');

    const bad = await runCli(['migrate', pg.url('no_such_database')]);
    assert.notEqual(bad.code, 0, 'an unreachable database is an error');
  });
});
