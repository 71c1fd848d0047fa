// Streaming relay: chunks reach the client as the upstream sends them, a
// stream broken by the upstream ends in an error (never a silent
// truncation), and a client hanging up cancels the upstream request.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import OpenAI from 'openai';

import {Emulator} from './lib/emulator.mjs';
import {baseConfig, emulatorProvider, Gateway} from './lib/gateway.mjs';
import {sleep} from './lib/process.mjs';

let emu;
let gw;
let client;
const messages = [{role: 'user', content: 'Tell me a story.'}];

before(async () => {
  emu = await Emulator.start();
  const model = (name, provider) => ({name, deployments: [{provider, model: 'gpt-4o'}]});
  gw = await Gateway.start(baseConfig(
      {
        emu: emulatorProvider(emu),
        gap200: emulatorProvider(emu, 'gap=200,tokens=5'),
        drop2: emulatorProvider(emu, 'drop_after=2,tokens=10'),
        errevent: emulatorProvider(emu, 'error_event=2,tokens=10'),
        gap300: emulatorProvider(emu, 'gap=300,tokens=20'),
        gap20: emulatorProvider(emu, 'gap=20,tokens=8'),
        latency: emulatorProvider(emu, 'latency=2500'),
      },
      [
        model('gpt-4o', 'emu'),
        model('slow-tokens', 'gap200'),
        model('drops', 'drop2'),
        model('error-event', 'errevent'),
        model('long-stream', 'gap300'),
        model('quick-stream', 'gap20'),
        model('slow-answer', 'latency'),
      ]));
  client =
      new OpenAI({baseURL: `${gw.url}/v1`, apiKey: 'sk-client', maxRetries: 0, timeout: 15000});
});

after(async () => {
  await gw?.stop();
  await emu?.stop();
});

test('chunks are relayed as they arrive, not buffered (gap=200, tokens=5)', async () => {
  const t0 = Date.now();
  const stream = await client.chat.completions.create({
    model: 'slow-tokens',
    messages,
    stream: true,
  });
  const arrivals = [];
  let text = '';
  let finish = null;
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta?.content;
    if (delta) {
      arrivals.push(Date.now() - t0);
      text += delta;
    }
    if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
  }
  const end = Date.now() - t0;
  assert.equal(finish, 'stop');
  assert.equal(text.trim().split(/\s+/).length, 5, `five tokens, got ${JSON.stringify(text)}`);
  assert.equal(arrivals.length, 5);
  // Five deltas 200 ms apart: the last arrives ~800 ms after the first. A
  // buffering relay would deliver them all at once at the end.
  assert.ok(
      arrivals.at(-1) - arrivals[0] >= 600,
      `first delta at ${arrivals[0]} ms, last at ${arrivals.at(-1)} ms`);
  assert.ok(
      end - arrivals[0] >= 600, `first delta at ${arrivals[0]} ms, stream ended at ${end} ms`);
  for (let i = 1; i < arrivals.length; i++) {
    assert.ok(arrivals[i] - arrivals[i - 1] >= 100, `deltas spread out: ${arrivals.join(', ')}`);
  }
});

test('upstream drops the stream mid-way: deltas, then an error (drop_after=2)', async () => {
  const stream = await client.chat.completions.create({model: 'drops', messages, stream: true});
  let chunks = 0;
  let finish = null;
  let error = null;
  try {
    for await (const chunk of stream) {
      chunks += 1;
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
    }
  } catch (e) {
    error = e;
  }
  assert.ok(chunks >= 1, 'the deltas before the break reached the client');
  assert.equal(finish, null, 'no finish_reason: the answer was not complete');
  assert.ok(error, 'the client must raise an error, not end silently');
  assert.ok(error instanceof OpenAI.APIError, `an APIError, got ${error}`);
});

test('upstream drop, raw SSE: an error event and no [DONE]', async () => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({model: 'drops', messages, stream: true}),
    signal: AbortSignal.timeout(10000),
  });
  assert.equal(res.status, 200);
  const events = (await res.text()).split('\n\n').filter((e) => e.trim() !== '');
  assert.ok(!events.includes('data: [DONE]'), 'a broken stream must not end with [DONE]');
  const last = JSON.parse(events.at(-1).replace(/^(event: .*\n)?data: /, ''));
  assert.equal(typeof last.error?.message, 'string');
  assert.ok(events.length >= 2, 'deltas came before the error');
});

test('upstream error event mid-stream reaches the client as an error', async () => {
  const stream = await client.chat.completions.create({
    model: 'error-event',
    messages,
    stream: true,
  });
  let chunks = 0;
  await assert.rejects(async () => {
    for await (const _ of stream) chunks += 1;
  }, (e) => e instanceof OpenAI.APIError);
  assert.ok(chunks >= 1);
});

test('a client that hangs up mid-stream cancels the upstream request', async () => {
  await emu.reset();
  const controller = new AbortController();
  const stream = await client.chat.completions.create(
      {model: 'long-stream', messages, stream: true}, {signal: controller.signal});
  let chunks = 0;
  let abortedAt = 0;
  try {
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) {
        chunks += 1;
        abortedAt = Date.now();
        controller.abort();
      }
    }
  } catch {
    // the abort may surface as an error; either way the stream is over
  }
  assert.ok(chunks >= 1 && abortedAt > 0);

  // The 20-token stream would take ~6 s; the upstream must see the cancel soon.
  let rec;
  while (Date.now() - abortedAt < 3000) {
    rec = (await emu.requests()).find((r) => r.path.endsWith('/chat/completions'));
    if (rec?.cancelled) break;
    await sleep(50);
  }
  const elapsed = Date.now() - abortedAt;
  assert.ok(rec, 'the upstream saw the request');
  assert.equal(rec.cancelled, true, 'the upstream request was cancelled');
  assert.equal(rec.completed, false);
  assert.ok(elapsed < 1500, `cancelled ${elapsed} ms after the client hung up`);

  // And the gateway still serves.
  const c = await client.chat.completions.create({model: 'gpt-4o', messages});
  assert.equal(c.choices[0].finish_reason, 'stop');
});

test(
    'a client that hangs up while waiting for a non-stream answer cancels the upstream',
    async () => {
      await emu.reset();
      const controller = new AbortController();
      const pending = client.chat.completions.create(
          {model: 'slow-answer', messages}, {signal: controller.signal});
      await sleep(300);
      const abortedAt = Date.now();
      controller.abort();
      await assert.rejects(pending);
      let rec;
      while (Date.now() - abortedAt < 2500) {
        rec = (await emu.requests()).find((r) => r.path.endsWith('/chat/completions'));
        if (rec?.cancelled) break;
        await sleep(50);
      }
      const elapsed = Date.now() - abortedAt;
      assert.equal(rec?.cancelled, true, 'the upstream request was cancelled');
      assert.ok(elapsed < 1500, `cancelled ${elapsed} ms after the client hung up`);
    });

test('twenty concurrent streams each arrive whole and in order', async () => {
  const one = async (i) => {
    const stream = await client.chat.completions.create(
        {model: 'quick-stream', messages: [{role: 'user', content: `story ${i}`}], stream: true});
    let text = '';
    let finish = null;
    let id = null;
    for await (const chunk of stream) {
      id ??= chunk.id;
      assert.equal(chunk.id, id, 'chunks of one stream share an id');
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
    }
    return {text, finish, id};
  };
  const results = await Promise.all(Array.from({length: 20}, (_, i) => one(i)));
  for (const r of results) {
    assert.equal(r.finish, 'stop');
    assert.equal(r.text.trim().split(/\s+/).length, 8);
  }
  assert.equal(new Set(results.map((r) => r.id)).size, 20, 'no two clients got the same stream');
});
