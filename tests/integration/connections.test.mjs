// Connection handling: upstream keep-alive reuse, client keep-alive, and
// slow or stalled clients cut off by the header, body and idle timeouts
// while the gateway keeps serving everyone else.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import OpenAI from 'openai';

import {Emulator} from './lib/emulator.mjs';
import {baseConfig, emulatorProvider, Gateway} from './lib/gateway.mjs';
import {parseResponse, RawConnection} from './lib/http.mjs';
import {sleep} from './lib/process.mjs';

let emu;
let gw;
let client;
const messages = [{role: 'user', content: 'hi'}];

before(async () => {
  emu = await Emulator.start();
  gw = await Gateway.start(baseConfig(
      {emu: emulatorProvider(emu)}, [{name: 'gpt-4o', deployments: [{provider: 'emu'}]}], {
        workers: 1,
        limits: {header_timeout: '500ms', body_timeout: '500ms', idle_timeout: '1s'},
      }));
  client =
      new OpenAI({baseURL: `${gw.url}/v1`, apiKey: 'sk-client', maxRetries: 0, timeout: 10000});
});

after(async () => {
  await gw?.stop();
  await emu?.stop();
});

const chatRequest = (extraHeaders = '') => {
  const body = JSON.stringify({model: 'gpt-4o', messages});
  return 'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`;
};

describe('keep-alive', () => {
  test('sequential requests share one upstream connection', async () => {
    await emu.reset();
    for (let i = 0; i < 5; i++) {
      await client.chat.completions.create({model: 'gpt-4o', messages});
    }
    const recs = (await emu.requests()).filter((r) => r.path === '/v1/chat/completions');
    assert.equal(recs.length, 5);
    const conns = new Set(recs.map((r) => r.conn));
    assert.equal(conns.size, 1, `upstream connection ids: ${recs.map((r) => r.conn).join(', ')}`);
  });

  test('streamed requests return their upstream connection to the pool too', async () => {
    await emu.reset();
    for (let i = 0; i < 3; i++) {
      const stream =
          await client.chat.completions.create({model: 'gpt-4o', messages, stream: true});
      for await (const _ of stream) { /* drain */
      }
      await client.embeddings.create({model: 'gpt-4o', input: 'x'});
    }
    const recs = (await emu.requests()).filter((r) => r.path.startsWith('/v1/'));
    assert.equal(recs.length, 6);
    const conns = new Set(recs.map((r) => r.conn));
    assert.equal(conns.size, 1, `upstream connection ids: ${recs.map((r) => r.conn).join(', ')}`);
  });

  test('a client connection serves several requests', async () => {
    const conn = await RawConnection.open(gw.host, gw.port);
    try {
      await conn.write('GET /health HTTP/1.1\r\nHost: gw\r\n\r\n');
      const a = await conn.readResponse();
      assert.equal(a.status, 200);
      assert.notEqual(a.headers.connection, 'close');
      await conn.write(chatRequest());
      const b = await conn.readResponse();
      assert.equal(b.status, 200);
      assert.equal(JSON.parse(b.body).object, 'chat.completion');
      await conn.write('GET /v1/models HTTP/1.1\r\nHost: gw\r\n\r\n');
      const c = await conn.readResponse();
      assert.equal(c.status, 200);
      assert.equal(JSON.parse(c.body).object, 'list');
      assert.equal(conn.ended, false, 'the connection stayed open');
    } finally {
      conn.destroy();
    }
  });

  test('a 400 kB prompt, then a small request, on one keep-alive connection', async () => {
    // Large bodies are read in Content-Length-sized steps and the big read
    // buffer is released before the connection idles; neither may cost bytes.
    const conn = await RawConnection.open(gw.host, gw.port);
    try {
      const big = 'x'.repeat(400 * 1024);  // ~51k tokens: fits gpt-4o's window
      const body = JSON.stringify({model: 'gpt-4o', messages: [{role: 'user', content: big}]});
      await conn.write('POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n' +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
      await conn.write(body);
      const a = await conn.readResponse(10000);
      assert.equal(a.status, 200, a.body);
      await conn.write(chatRequest());
      const b = await conn.readResponse();
      assert.equal(b.status, 200, b.body);
      assert.equal(JSON.parse(b.body).object, 'chat.completion');
    } finally {
      conn.destroy();
    }
  });

  test('pipelined requests are answered in order', async () => {
    const conn = await RawConnection.open(gw.host, gw.port);
    try {
      await conn.write(
          chatRequest('X-Request-Id: first\r\n') +
          'GET /health HTTP/1.1\r\nHost: gw\r\nX-Request-Id: second\r\n\r\n');
      const a = await conn.readResponse();
      const b = await conn.readResponse();
      assert.equal(a.headers['x-request-id'], 'first');
      assert.equal(a.status, 200);
      assert.equal(b.headers['x-request-id'], 'second');
      assert.equal(b.status, 200);
    } finally {
      conn.destroy();
    }
  });

  test('Connection: close is honoured', async () => {
    const conn = await RawConnection.open(gw.host, gw.port);
    try {
      await conn.write('GET /health HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');
      const a = await conn.readResponse();
      assert.equal(a.status, 200);
      assert.equal(a.headers.connection, 'close');
      await conn.waitClosed(2000);
    } finally {
      conn.destroy();
    }
  });
});

describe('request framing', () => {
  test('Expect: 100-continue gets 100 Continue, then the answer', async () => {
    const conn = await RawConnection.open(gw.host, gw.port);
    try {
      const body = JSON.stringify({model: 'gpt-4o', messages});
      await conn.write(
          'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`);
      assert.equal((await conn.readResponse(2000)).status, 100);
      await conn.write(body);
      const res = await conn.readResponse(3000);
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.body).object, 'chat.completion');
    } finally {
      conn.destroy();
    }
  });

  test('a chunked request body is accepted', async () => {
    const conn = await RawConnection.open(gw.host, gw.port);
    try {
      const body = JSON.stringify({model: 'gpt-4o', messages});
      const half = Math.floor(body.length / 2);
      await conn.write(
          'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n' +
          'Transfer-Encoding: chunked\r\n\r\n');
      for (const part of [body.slice(0, half), body.slice(half)]) {
        await conn.write(`${part.length.toString(16)}\r\n${part}\r\n`);
        await sleep(20);
      }
      await conn.write('0\r\n\r\n');
      const res = await conn.readResponse(3000);
      assert.equal(res.status, 200);
    } finally {
      conn.destroy();
    }
  });

  test('bytes that are not HTTP get a 400 in OpenAI shape', async () => {
    const conn = await RawConnection.open(gw.host, gw.port);
    try {
      await conn.write('HELLO THERE\r\n\r\n');
      const res = await conn.readResponse(2000);
      assert.equal(res.status, 400);
      assert.equal(typeof JSON.parse(res.body).error.message, 'string');
    } finally {
      conn.destroy();
    }
  });

  test('both Content-Length and Transfer-Encoding (smuggling shape) → 400', async () => {
    const conn = await RawConnection.open(gw.host, gw.port);
    try {
      await conn.write(
          'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\n' +
          'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
      assert.equal((await conn.readResponse(2000)).status, 400);
    } finally {
      conn.destroy();
    }
  });
});

describe('slow and stalled clients', () => {
  test(
      'half a request header, then silence: closed after header_timeout; others served',
      async () => {
        const stalled = await RawConnection.open(gw.host, gw.port);
        try {
          await stalled.write('POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Ty');
          const t0 = Date.now();
          // The only worker keeps serving other clients meanwhile.
          for (let i = 0; i < 3; i++) {
            const c = await client.chat.completions.create({model: 'gpt-4o', messages});
            assert.equal(c.object, 'chat.completion');
            assert.equal(stalled.ended, false);
            await sleep(50);
          }
          const closedAt = await stalled.waitClosed(3000);
          const after = closedAt - t0;
          assert.ok(after >= 350 && after < 1500, `closed ${after} ms after the stall began`);
        } finally {
          stalled.destroy();
        }
      });

  test('a connection that sends nothing is closed after header_timeout', async () => {
    const silent = await RawConnection.open(gw.host, gw.port);
    try {
      const t0 = Date.now();
      const after = (await silent.waitClosed(3000)) - t0;
      assert.ok(after >= 350 && after < 1500, `closed after ${after} ms`);
    } finally {
      silent.destroy();
    }
  });

  test('headers sent byte by byte slower than header_timeout: closed', async () => {
    const slow = await RawConnection.open(gw.host, gw.port);
    try {
      const t0 = Date.now();
      const request = 'GET /health HTTP/1.1\r\nHost: gw\r\nX-Slow: trickle-trickle-trickle\r\n\r\n';
      for (const ch of request) {
        if (slow.ended) break;
        await slow.write(ch).catch(() => {});
        await sleep(40);
      }
      const closedAt = await slow.waitClosed(3000);
      assert.ok(closedAt - t0 < 1500, `a trickling client was closed after ${closedAt - t0} ms`);
      assert.ok(!slow.buf.toString().startsWith('HTTP/1.1 200'), 'not served');
    } finally {
      slow.destroy();
    }
  });

  test('a body that stalls is cut off after body_timeout', async () => {
    const conn = await RawConnection.open(gw.host, gw.port);
    try {
      await conn.write(
          'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n' +
          'Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{"model":');
      const t0 = Date.now();
      const after = (await conn.waitClosed(3000)) - t0;
      assert.ok(after >= 350 && after < 1500, `closed after ${after} ms`);
      // Answering 408 first is optional (RFC 9110 §15.5.9); anything else is wrong.
      if (conn.buf.length > 0) {
        const res = parseResponse(conn.buf, true);
        assert.equal(res.status, 408);
        assert.equal(typeof JSON.parse(res.body).error.message, 'string');
      }
    } finally {
      conn.destroy();
    }
  });

  test('an idle keep-alive connection is closed after idle_timeout', async () => {
    const conn = await RawConnection.open(gw.host, gw.port);
    try {
      await conn.write('GET /health HTTP/1.1\r\nHost: gw\r\n\r\n');
      assert.equal((await conn.readResponse()).status, 200);
      const t0 = Date.now();
      const after = (await conn.waitClosed(4000)) - t0;
      assert.ok(after >= 800 && after < 2500, `closed after ${after} ms idle`);
    } finally {
      conn.destroy();
    }
  });
});

describe('max_connections', () => {
  let small;
  before(async () => {
    small = await Gateway.start(baseConfig(
        {emu: emulatorProvider(emu)}, [{name: 'gpt-4o', deployments: [{provider: 'emu'}]}],
        {workers: 1, limits: {max_connections: 2, header_timeout: '3s'}}));
  });
  after(async () => {
    await small?.stop();
  });

  test('connections beyond the limit get 503, and a freed slot is reused', async () => {
    const held = [
      await RawConnection.open(small.host, small.port),
      await RawConnection.open(small.host, small.port)
    ];
    try {
      await sleep(100);
      const extra = await RawConnection.open(small.host, small.port);
      try {
        const res = await extra.readResponse(2000);
        assert.equal(res.status, 503);
        assert.equal(typeof JSON.parse(res.body).error.message, 'string');
      } finally {
        extra.destroy();
      }
      held[0].destroy();
      await sleep(200);
      const again = await RawConnection.open(small.host, small.port);
      try {
        await again.write('GET /health HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');
        assert.equal((await again.readResponse(2000)).status, 200);
      } finally {
        again.destroy();
      }
    } finally {
      for (const c of held) c.destroy();
    }
  });
});
