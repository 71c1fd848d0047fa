// The official `openai` npm client against the gateway, with the provider
// emulator as upstream: chat (non-stream and stream), completions,
// embeddings, models, and the response headers the gateway adds.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import OpenAI from 'openai';

import {Emulator} from './lib/emulator.mjs';
import {baseConfig, emulatorProvider, Gateway} from './lib/gateway.mjs';

let emu;
let gw;
let client;

before(async () => {
  emu = await Emulator.start();
  gw = await Gateway.start(
      baseConfig({emu: emulatorProvider(emu, '', {headers: {'x-team': 'e2e'}})}, [
        {name: 'gpt-4o', deployments: [{provider: 'emu', model: 'gpt-4o-2024-08-06'}]},
        {name: 'gpt-3.5-turbo-instruct', deployments: [{provider: 'emu'}]},
        {name: 'text-embedding-3-small', deployments: [{provider: 'emu'}]},
      ]));
  client =
      new OpenAI({baseURL: `${gw.url}/v1`, apiKey: 'sk-client', maxRetries: 0, timeout: 10000});
});

after(async () => {
  await gw?.stop();
  await emu?.stop();
});

const messages = [{role: 'user', content: 'Say hello in five words.'}];

describe('chat completions', () => {
  test('non-stream round trip', async () => {
    const {data, response} =
        await client.chat.completions.create({model: 'gpt-4o', messages}).withResponse();
    assert.equal(response.status, 200);
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.choices.length, 1);
    assert.equal(data.choices[0].message.role, 'assistant');
    assert.ok(data.choices[0].message.content.length > 0);
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.ok(data.usage.prompt_tokens > 0);
    assert.ok(data.usage.completion_tokens > 0);
    assert.equal(data.usage.total_tokens, data.usage.prompt_tokens + data.usage.completion_tokens);
  });

  test('the upstream receives the deployment model name and the provider key', async () => {
    await emu.reset();
    await client.chat.completions.create({model: 'gpt-4o', messages});
    const [rec] = await emu.requests();
    assert.equal(rec.path, '/v1/chat/completions');
    assert.equal(JSON.parse(rec.body).model, 'gpt-4o-2024-08-06');
    assert.equal(rec.headers.authorization, 'Bearer sk-e2e-test');
    assert.equal(rec.headers['x-team'], 'e2e', 'provider headers are sent upstream');
  });

  test('stream: deltas, finish_reason, [DONE], no usage chunk unless asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages,
      stream: true,
    });
    let text = '';
    let finish = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.usage ?? null, null, 'usage must not appear unless requested');
      assert.ok(chunk.choices.length > 0, 'no usage-only (empty choices) chunk');
      text += chunk.choices[0].delta?.content ?? '';
      if (chunk.choices[0].finish_reason) finish = chunk.choices[0].finish_reason;
    }
    assert.ok(chunks >= 2);
    assert.ok(text.length > 0);
    assert.equal(finish, 'stop');
  });

  test('stream with stream_options.include_usage: a final usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages,
      stream: true,
      stream_options: {include_usage: true},
    });
    let usage = null;
    let finish = null;
    let sawChunkAfterUsage = false;
    for await (const chunk of stream) {
      if (usage) sawChunkAfterUsage = true;
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) {
        usage = chunk.usage;
        assert.deepEqual(chunk.choices, []);
      }
    }
    assert.equal(finish, 'stop');
    assert.ok(usage, 'the usage chunk was relayed');
    assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    assert.equal(sawChunkAfterUsage, false);
  });

  test('stream: the gateway asks the upstream for usage even when the client did not', async () => {
    await emu.reset();
    const stream = await client.chat.completions.create({model: 'gpt-4o', messages, stream: true});
    for await (const _ of stream) { /* drain */
    }
    const [rec] = await emu.requests();
    assert.equal(JSON.parse(rec.body).stream_options?.include_usage, true);
  });

  test('raw SSE framing ends with data: [DONE]', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({model: 'gpt-4o', messages, stream: true}),
      signal: AbortSignal.timeout(10000),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    const text = await res.text();
    const events = text.split('\n\n').filter((e) => e.trim() !== '');
    assert.equal(events.at(-1), 'data: [DONE]');
    for (const e of events.slice(0, -1)) {
      assert.match(e, /^data: \{/);
      JSON.parse(e.slice('data: '.length));
    }
  });
});

test('completions endpoint', async () => {
  const c = await client.completions.create({
    model: 'gpt-3.5-turbo-instruct',
    prompt: 'Once upon a time',
    max_tokens: 8,
  });
  assert.equal(c.object, 'text_completion');
  assert.equal(typeof c.choices[0].text, 'string');
  assert.ok(c.choices[0].text.length > 0);
  assert.ok(c.usage.completion_tokens > 0 && c.usage.completion_tokens <= 8);
});

describe('embeddings', () => {
  test('float encoding', async () => {
    const e = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['one', 'two'],
      encoding_format: 'float',
    });
    assert.equal(e.object, 'list');
    assert.equal(e.data.length, 2);
    assert.equal(e.data[1].index, 1);
    assert.ok(Array.isArray(e.data[0].embedding));
    assert.ok(e.data[0].embedding.length > 0);
    assert.ok(e.data[0].embedding.every((x) => typeof x === 'number' && Number.isFinite(x)));
    assert.ok(e.usage.prompt_tokens > 0);
  });

  test('default (base64 on the wire, decoded by the client) matches float', async () => {
    const asFloat = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'same text',
      encoding_format: 'float',
    });
    // Without encoding_format the client requests base64 and decodes it itself.
    const decoded = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'same text',
    });
    assert.ok(Array.isArray(decoded.data[0].embedding));
    assert.equal(decoded.data[0].embedding.length, asFloat.data[0].embedding.length);
    decoded.data[0].embedding.forEach((x, i) => {
      assert.ok(Math.abs(x - asFloat.data[0].embedding[i]) < 1e-6, `component ${i}`);
    });
  });

  test('explicit base64 encoding is returned as a string', async () => {
    const e = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'x',
      encoding_format: 'base64',
      dimensions: 8,
    });
    assert.equal(typeof e.data[0].embedding, 'string');
    assert.equal(Buffer.from(e.data[0].embedding, 'base64').length, 8 * 4);
  });

  test('dimensions', async () => {
    const e = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'x',
      dimensions: 16,
      encoding_format: 'float',
    });
    assert.equal(e.data[0].embedding.length, 16);
  });
});

test('models.list() returns the configured models', async () => {
  const ids = [];
  for await (const m of client.models.list()) {
    assert.equal(m.object, 'model');
    ids.push(m.id);
  }
  assert.deepEqual(ids.sort(), ['gpt-3.5-turbo-instruct', 'gpt-4o', 'text-embedding-3-small']);
});

describe('response headers', () => {
  test('x-request-id is echoed when the client sends one', async () => {
    const {response} =
        await client.chat.completions
            .create({model: 'gpt-4o', messages}, {headers: {'x-request-id': 'e2e-req-42'}})
            .withResponse();
    assert.equal(response.headers.get('x-request-id'), 'e2e-req-42');
  });

  test('an unacceptable x-request-id is replaced by a generated one', async () => {
    const bad = 'bad id with spaces; and <markup>';
    const {response} = await client.chat.completions
                           .create({model: 'gpt-4o', messages}, {headers: {'x-request-id': bad}})
                           .withResponse();
    const id = response.headers.get('x-request-id');
    assert.ok(id && id !== bad);
    assert.match(id, /^[A-Za-z0-9._:-]{8,128}$/);
  });

  test('x-request-id is generated when absent, and differs per request', async () => {
    const ids = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({model: 'gpt-4o', messages}),
        signal: AbortSignal.timeout(10000),
      });
      await res.arrayBuffer();
      ids.push(res.headers.get('x-request-id'));
    }
    assert.ok(ids[0] && ids[0].length >= 8, `got ${ids[0]}`);
    assert.notEqual(ids[0], ids[1]);
  });

  test('x-request-id is present on errors and on health', async () => {
    const err =
        await client.chat.completions
            .create({model: 'no-such-model', messages}, {headers: {'x-request-id': 'err-id-1'}})
            .catch((e) => e);
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.headers.get('x-request-id'), 'err-id-1');
    const res = await fetch(`${gw.url}/health`, {signal: AbortSignal.timeout(5000)});
    await res.arrayBuffer();
    assert.ok(res.headers.get('x-request-id'));
  });

  test('x-switchyard-provider and x-switchyard-model name the deployment', async () => {
    const {response} =
        await client.chat.completions.create({model: 'gpt-4o', messages}).withResponse();
    assert.equal(response.headers.get('x-switchyard-provider'), 'emu');
    assert.equal(response.headers.get('x-switchyard-model'), 'gpt-4o-2024-08-06');
    const {response: sres, data: stream} =
        await client.chat.completions.create({model: 'gpt-4o', messages, stream: true})
            .withResponse();
    for await (const _ of stream) { /* drain */
    }
    assert.equal(sres.headers.get('x-switchyard-provider'), 'emu');
    assert.equal(sres.headers.get('x-switchyard-model'), 'gpt-4o-2024-08-06');
  });
});
