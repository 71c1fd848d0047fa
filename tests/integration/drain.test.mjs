// Graceful shutdown: on SIGTERM the gateway stops accepting, reports
// draining on /ready, lets in-flight streams finish, closes idle keep-alive
// connections, and exits 0; past shutdown.drain_timeout it exits anyway.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import OpenAI from 'openai';

import {Emulator} from './lib/emulator.mjs';
import {baseConfig, emulatorProvider, Gateway} from './lib/gateway.mjs';
import {connectRefused, RawConnection} from './lib/http.mjs';
import {sleep} from './lib/process.mjs';

let emu;
const gateways = [];
const messages = [{role: 'user', content: 'Count slowly.'}];

before(async () => {
  emu = await Emulator.start();
});

after(async () => {
  for (const gw of gateways) await gw.stop();
  await emu?.stop();
});

async function startGateway(scenario, drainTimeout) {
  const gw = await Gateway.start(baseConfig(
      {emu: emulatorProvider(emu, scenario)}, [{name: 'gpt-4o', deployments: [{provider: 'emu'}]}],
      {workers: 2, shutdown: {drain_timeout: drainTimeout}}));
  gateways.push(gw);
  const client =
      new OpenAI({baseURL: `${gw.url}/v1`, apiKey: 'sk-client', maxRetries: 0, timeout: 15000});
  return {gw, client};
}

test('SIGTERM mid-stream: the stream completes, new connections are refused, exit 0', async () => {
  const {gw, client} = await startGateway('gap=200,tokens=10', '10s');

  // An idle keep-alive connection, and one with a request half sent.
  const idle = await RawConnection.open(gw.host, gw.port);
  await idle.write('GET /health HTTP/1.1\r\nHost: gw\r\n\r\n');
  assert.equal((await idle.readResponse()).status, 200);
  const pending = await RawConnection.open(gw.host, gw.port);
  await pending.write('GET /ready HTTP/1.1\r\nHost: gw\r\n');

  const stream = await client.chat.completions.create({model: 'gpt-4o', messages, stream: true});
  const iterator = stream[Symbol.asyncIterator]();
  let text = '';
  let finish = null;
  // Wait for the first delta, then signal.
  for (;;) {
    const {value, done} = await iterator.next();
    assert.equal(done, false, 'the stream ended before any delta');
    text += value.choices[0]?.delta?.content ?? '';
    if (text) break;
  }
  const signalledAt = Date.now();
  gw.child.signalChild('SIGTERM');
  await gw.child.waitForOutput(/draining/, 2000);
  await sleep(200);

  // No new connections once draining.
  assert.equal(await connectRefused(gw.host, gw.port), true, 'a new connection was accepted');

  // The idle keep-alive connection is closed promptly, not kept until the end.
  const idleClosed = await idle.waitClosed(1500);
  assert.ok(idleClosed - signalledAt < 1500);

  // A request that was already arriving is answered: /ready says draining.
  await pending.write('\r\n');
  const ready = await pending.readResponse(2000);
  assert.equal(ready.status, 503);
  assert.equal(JSON.parse(ready.body).status, 'draining');
  assert.equal(ready.headers.connection, 'close');
  pending.destroy();
  idle.destroy();

  // The in-flight stream runs to its end.
  for (;;) {
    const {value, done} = await iterator.next();
    if (done) break;
    text += value.choices[0]?.delta?.content ?? '';
    if (value.choices[0]?.finish_reason) finish = value.choices[0].finish_reason;
  }
  assert.equal(finish, 'stop');
  assert.equal(text.trim().split(/\s+/).length, 10, `all ten tokens, got ${JSON.stringify(text)}`);
  assert.ok(Date.now() - signalledAt >= 1000, 'the stream really outlived the signal');

  const {code, signal} = await gw.child.waitForExit(3000);
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.match(gw.output, /shut down cleanly/);
});

test(
    'a stream longer than drain_timeout is cut, and the gateway still exits 0 in time',
    async () => {
      const {gw, client} = await startGateway('gap=300,tokens=30', '1s');
      const stream =
          await client.chat.completions.create({model: 'gpt-4o', messages, stream: true});
      const consumed = (async () => {
        let finish = null;
        try {
          for await (const chunk of stream) {
            if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
          }
          return {finish};
        } catch (error) {
          return {finish, error};
        }
      })();
      await sleep(400);
      const signalledAt = Date.now();
      gw.child.signalChild('SIGTERM');
      const {code} = await gw.child.waitForExit(4000);
      const took = Date.now() - signalledAt;
      assert.equal(code, 0);
      assert.ok(took >= 800 && took < 3000, `exited ${took} ms after SIGTERM`);
      const outcome = await consumed;
      assert.equal(outcome.finish, null, 'the stream could not have finished');
      assert.ok(outcome.error, 'the cut stream surfaces as an error in the client');
    });
