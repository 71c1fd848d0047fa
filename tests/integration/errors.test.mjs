// Every error the gateway returns is OpenAI-shaped with the right status:
// bad requests, unknown models and routes, limits, and upstream failures
// (4xx passed through, unreachable, timeouts), through the official client
// and raw HTTP.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import OpenAI from 'openai';

import {assertErrorShape, expectApiError, postRaw} from './lib/assert_error.mjs';
import {Emulator} from './lib/emulator.mjs';
import {baseConfig, emulatorProvider, Gateway} from './lib/gateway.mjs';
import {closedPort, RawConnection, rawRequest} from './lib/http.mjs';
import {sleep} from './lib/process.mjs';

let emu;
let gw;
let client;
const messages = [{role: 'user', content: 'hi'}];

before(async () => {
  emu = await Emulator.start();
  const dead = await closedPort();
  const model = (name, provider) => ({name, deployments: [{provider, model: 'gpt-4o'}]});
  gw = await Gateway.start(baseConfig(
      {
        emu: emulatorProvider(emu),
        emu400: emulatorProvider(emu, 'status=400'),
        emu401: emulatorProvider(emu, 'status=401'),
        emu429: emulatorProvider(emu, 'status=429,retry_after=7'),
        context: emulatorProvider(emu, 'context=1'),
        hang: emulatorProvider(emu, 'hang=1'),
        slow: emulatorProvider(emu, 'latency=3000'),
        malformed: emulatorProvider(emu, 'malformed=1'),
        dead: {type: 'openai', base_url: `http://127.0.0.1:${dead}/v1`, api_key: 'sk-x'},
      },
      [
        model('gpt-4o', 'emu'),
        model('upstream-400', 'emu400'),
        model('upstream-401', 'emu401'),
        model('upstream-429', 'emu429'),
        model('upstream-context', 'context'),
        model('upstream-hang', 'hang'),
        model('upstream-slow', 'slow'),
        model('upstream-malformed', 'malformed'),
        model('upstream-dead', 'dead'),
        {
          name: 'with-fallback',
          deployments: [{provider: 'dead'}, {provider: 'emu', model: 'gpt-4o-mini'}]
        },
      ],
      {
        limits: {
          max_body_bytes: '1KiB',
          max_header_bytes: '8KiB',
          header_timeout: '2s',
          body_timeout: '2s',
          idle_timeout: '5s',
        },
        upstream: {connect_timeout: '1s', first_byte_timeout: '500ms', total_timeout: '10s'},
      }));
  client =
      new OpenAI({baseURL: `${gw.url}/v1`, apiKey: 'sk-client', maxRetries: 0, timeout: 10000});
});

after(async () => {
  await gw?.stop();
  await emu?.stop();
});

const chatUrl = () => `${gw.url}/v1/chat/completions`;

describe('invalid requests → 400', () => {
  test('malformed JSON', async () => {
    const {res, error} = await postRaw(chatUrl(), '{"model": "gpt-4o", "messages": [');
    assert.equal(res.status, 400);
    assert.equal(error.type, 'invalid_request_error');
  });

  test('a body that is not an object', async () => {
    const {res} = await postRaw(chatUrl(), '["gpt-4o"]');
    assert.equal(res.status, 400);
  });

  test('wrong type of messages names the field', async () => {
    await expectApiError(
        client.chat.completions.create({model: 'gpt-4o', messages: 'hi'}),
        {status: 400, param: 'messages', type: 'invalid_request_error'});
  });

  test('wrong type of model names the field', async () => {
    await expectApiError(
        client.chat.completions.create({model: 42, messages}), {status: 400, param: 'model'});
  });

  test('wrong type of an optional field names the field', async () => {
    await expectApiError(
        client.chat.completions.create({model: 'gpt-4o', messages, temperature: 'hot'}),
        {status: 400, param: 'temperature', message: /temperature/});
    await expectApiError(
        client.chat.completions.create({model: 'gpt-4o', messages, stream: 'yes'}),
        {status: 400, param: 'stream'});
  });

  test('missing model', async () => {
    await expectApiError(
        client.chat.completions.create({messages}),
        {status: 400, param: 'model', message: /model/});
  });

  test('missing messages', async () => {
    await expectApiError(
        client.chat.completions.create({model: 'gpt-4o'}),
        {status: 400, param: 'messages', message: /messages/});
  });

  test('missing prompt and input on completions and embeddings', async () => {
    await expectApiError(
        client.completions.create({model: 'gpt-4o'}), {status: 400, param: 'prompt'});
    await expectApiError(
        client.embeddings.create({model: 'gpt-4o'}), {status: 400, param: 'input'});
  });
});

test('unknown model → 404 model_not_found', async () => {
  const err = await expectApiError(
      client.chat.completions.create({model: 'no-such-model', messages}),
      {status: 404, code: 'model_not_found'});
  assert.ok(err instanceof OpenAI.NotFoundError);
  assert.match(err.message, /no-such-model/);
});

describe('request size limits', () => {
  test('a body within max_body_bytes is served', async () => {
    const body =
        JSON.stringify({model: 'gpt-4o', messages: [{role: 'user', content: 'a'.repeat(900)}]});
    assert.ok(body.length < 1024);
    const res = await fetch(chatUrl(), {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body,
      signal: AbortSignal.timeout(10000),
    });
    await res.arrayBuffer();
    assert.equal(res.status, 200);
  });

  test('a body over max_body_bytes (content-length) → 413', async () => {
    const body =
        JSON.stringify({model: 'gpt-4o', messages: [{role: 'user', content: 'a'.repeat(4000)}]});
    const {res, error} = await postRaw(chatUrl(), body);
    assert.equal(res.status, 413);
    assert.equal(error.type, 'invalid_request_error');
  });

  test('the client library sees 413 as an APIError', async () => {
    await expectApiError(
        client.chat.completions.create(
            {model: 'gpt-4o', messages: [{role: 'user', content: 'b'.repeat(5000)}]}),
        {status: 413});
  });

  test('a chunked body over max_body_bytes → 413', async () => {
    const conn = await RawConnection.open(gw.host, gw.port);
    try {
      await conn.write(
          'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n' +
          'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      const piece = `{"model":"gpt-4o","messages":[{"role":"user","content":"${'c'.repeat(400)}`;
      await conn.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
      for (let i = 0; i < 4 && !conn.ended && conn.buf.length === 0; i++) {
        const more = 'c'.repeat(400);
        await conn.write(`${more.length.toString(16)}\r\n${more}\r\n`).catch(() => {});
      }
      const res = await conn.readResponse(3000);
      assert.equal(res.status, 413);
      assertErrorShape(JSON.parse(res.body));
      assert.ok(res.headers['x-request-id']);
    } finally {
      conn.destroy();
    }
  });

  test('oversized request headers → 431', async () => {
    const res = await rawRequest(
        gw.host, gw.port,
        'GET /health HTTP/1.1\r\nHost: gw\r\n' +
            `X-Big: ${'h'.repeat(20000)}\r\nConnection: close\r\n\r\n`);
    assert.equal(res.status, 431);
    assertErrorShape(JSON.parse(res.body));
  });
});

describe('routes', () => {
  test('unknown path → 404', async () => {
    const res = await fetch(`${gw.url}/v1/nope`, {signal: AbortSignal.timeout(5000)});
    assert.equal(res.status, 404);
    assertErrorShape(await res.json());
  });

  test('wrong method → 405', async () => {
    for (const [method, path] of [
             ['GET', '/v1/chat/completions'], ['POST', '/v1/models'],
             ['DELETE', '/v1/embeddings']]) {
      const res = await fetch(`${gw.url}${path}`, {method, signal: AbortSignal.timeout(5000)});
      assert.equal(res.status, 405, `${method} ${path}`);
      assertErrorShape(await res.json());
    }
  });

  test(
      '405 carries an Allow header (RFC 9110 §15.5.6)',
      async () => {
        const res =
            await fetch(`${gw.url}/v1/chat/completions`, {signal: AbortSignal.timeout(5000)});
        await res.arrayBuffer();
        assert.equal(res.status, 405);
        assert.match(res.headers.get('allow') ?? '', /POST/);
      });
});

describe('upstream failures', () => {
  test('upstream 400 is passed through with its message', async () => {
    await expectApiError(
        client.chat.completions.create({model: 'upstream-400', messages}),
        {status: 400, type: 'invalid_request_error', message: /Emulated error: Bad Request/});
  });

  test('upstream 401 is passed through with its message', async () => {
    await expectApiError(
        client.chat.completions.create({model: 'upstream-401', messages}),
        {status: 401, message: /Incorrect API key provided/});
  });

  test('upstream 429 is passed through with Retry-After', async () => {
    const err = await expectApiError(
        client.chat.completions.create({model: 'upstream-429', messages}),
        {status: 429, message: /Rate limit reached/});
    assert.equal(err.headers.get('retry-after'), '7');
  });

  test('upstream 400 on a stream request is an error response, not a stream', async () => {
    await expectApiError(
        client.chat.completions.create({model: 'upstream-400', messages, stream: true}),
        {status: 400, message: /Emulated error/});
  });

  test('upstream unreachable → 502', async () => {
    const t0 = Date.now();
    await expectApiError(
        client.chat.completions.create({model: 'upstream-dead', messages}), {status: 502});
    assert.ok(Date.now() - t0 < 3000);
  });

  test(
      'upstream hangs → 504 after first_byte_timeout, and the upstream request is dropped',
      async () => {
        await emu.reset();
        const t0 = Date.now();
        await expectApiError(
            client.chat.completions.create({model: 'upstream-hang', messages}), {status: 504});
        const elapsed = Date.now() - t0;
        assert.ok(elapsed >= 400 && elapsed < 2500, `took ${elapsed} ms`);
        // The timed-out upstream connection is closed, not left hanging.
        let rec;
        for (let i = 0; i < 20; i++) {
          [rec] = await emu.requests();
          if (rec?.cancelled) break;
          await sleep(50);
        }
        assert.equal(rec?.cancelled, true, 'the emulator saw the hung request closed');
      });

  test('upstream slower than first_byte_timeout → 504 (stream request too)', async () => {
    const t0 = Date.now();
    await expectApiError(
        client.chat.completions.create({model: 'upstream-slow', messages, stream: true}),
        {status: 504});
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 400 && elapsed < 2500, `took ${elapsed} ms`);
  });

  test('malformed upstream body → 502', async () => {
    await expectApiError(
        client.chat.completions.create({model: 'upstream-malformed', messages}), {status: 502});
  });

  test('an unreachable first deployment fails over to the next', async () => {
    const {data, response} =
        await client.chat.completions.create({model: 'with-fallback', messages}).withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(response.headers.get('x-switchyard-provider'), 'emu');
    assert.equal(response.headers.get('x-switchyard-model'), 'gpt-4o-mini');
  });

  test('upstream error code and param are passed through', async () => {
    await expectApiError(client.chat.completions.create({model: 'upstream-context', messages}), {
      status: 400,
      code: 'context_length_exceeded',
      param: 'messages',
      message: /maximum context length/,
    });
  });

  test('the gateway keeps serving after upstream failures', async () => {
    const c = await client.chat.completions.create({model: 'gpt-4o', messages});
    assert.equal(c.choices[0].finish_reason, 'stop');
  });
});
