// TLS to upstreams: certificates are verified against the system trust store
// (OpenSSL honours SSL_CERT_FILE, which these tests use to trust a private
// CA), the host name must match, and SNI names the upstream host.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {baseConfig, Gateway} from './lib/gateway.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-tls-'));

// A self-signed certificate for `names` (subjectAltName), usable as its own CA.
function makeCert(name, altNames) {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', `/CN=${name}`, '-addext', `subjectAltName=${altNames}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
  ], {stdio: 'ignore'});
  return {key: fs.readFileSync(key), cert: fs.readFileSync(cert), certPath: cert};
}

const completion = JSON.stringify({
  id: 'chatcmpl-tls', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
  choices: [{index: 0, message: {role: 'assistant', content: 'over tls'}, finish_reason: 'stop'}],
  usage: {prompt_tokens: 3, completion_tokens: 2, total_tokens: 5},
});

// An HTTPS upstream answering chat completions; records the SNI it saw.
async function startUpstream(creds) {
  const seen = {servernames: []};
  const server = https.createServer({key: creds.key, cert: creds.cert}, (req, res) => {
    seen.servernames.push(req.socket.servername);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(completion);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {server, seen, port: server.address().port};
}

function configFor(baseUrl) {
  return baseConfig(
      {tls: {type: 'openai', base_url: baseUrl, api_key: 'sk-tls-test'}},
      [{name: 'gpt-4o-mini', deployments: [{provider: 'tls', model: 'gpt-4o-mini'}]}]);
}

async function ask(gw) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({model: 'gpt-4o-mini', messages: [{role: 'user', content: 'hi'}]}),
    signal: AbortSignal.timeout(10000),
  });
  return {status: res.status, body: await res.json()};
}

describe('TLS to upstreams', () => {
  const good = makeCert('localhost', 'DNS:localhost,IP:127.0.0.1');
  const wrongName = makeCert('elsewhere.example', 'DNS:elsewhere.example');
  let up, upWrong;
  const gateways = [];

  before(async () => {
    up = await startUpstream(good);
    upWrong = await startUpstream(wrongName);
  });
  after(async () => {
    for (const gw of gateways) await gw.stop();
    up?.server.close();
    upWrong?.server.close();
    fs.rmSync(dir, {recursive: true, force: true});
  });

  test('a certificate the trust store does not know is refused: 502, nothing served', async () => {
    const gw = await Gateway.start(configFor(`https://localhost:${up.port}/v1`),
                                   {env: {...process.env, SSL_CERT_FILE: wrongName.certPath}});
    gateways.push(gw);
    const r = await ask(gw);
    assert.equal(r.status, 502);
    assert.match(r.body.error.message, /TLS|certificate|handshake/i);
  });

  test('a trusted certificate works, with SNI naming the upstream host', async () => {
    const gw = await Gateway.start(configFor(`https://localhost:${up.port}/v1`),
                                   {env: {...process.env, SSL_CERT_FILE: good.certPath}});
    gateways.push(gw);
    const r = await ask(gw);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.choices[0].message.content, 'over tls');
    assert.ok(up.seen.servernames.includes('localhost'), `SNI seen: ${up.seen.servernames}`);
  });

  test('a trusted certificate for another host name is refused (hostname verification)', async () => {
    const gw = await Gateway.start(configFor(`https://localhost:${upWrong.port}/v1`),
                                   {env: {...process.env, SSL_CERT_FILE: wrongName.certPath}});
    gateways.push(gw);
    const r = await ask(gw);
    assert.equal(r.status, 502);
    assert.match(r.body.error.message, /TLS|certificate|handshake/i);
  });
});
