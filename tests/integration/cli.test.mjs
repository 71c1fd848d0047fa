// The command line: `switchyard check` on good and bad configurations
// (exit code, file:line messages), `serve` refusing a bad configuration, and
// the offline demo (`serve` with no --config and no provider keys).
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import OpenAI from 'openai';

import {waitReady, writeConfig} from './lib/gateway.mjs';
import {switchyardBin} from './lib/paths.mjs';
import {Child} from './lib/process.mjs';

const children = [];
after(async () => {
  for (const c of children) await c.stop();
});

async function run(args, env) {
  const child = new Child(switchyardBin(), args, {env});
  children.push(child);
  const {code} = await child.waitForExit(10000);
  return {code, output: child.output};
}

const GOOD = `listen: 127.0.0.1:8080
workers: 2
limits:
  max_body_bytes: 1MiB
  header_timeout: 5s
upstream:
  first_byte_timeout: 500ms
shutdown:
  drain_timeout: 10s
providers:
  local:
    type: openai
    base_url: http://127.0.0.1:11434/v1
    headers:
      x-team: e2e
models:
  - name: gpt-4o
    deployments:
      - provider: local
        model: llama-3.1-8b
`;

test('check: a good configuration exits 0 and says OK', async () => {
  const file = writeConfig(GOOD);
  const {code, output} = await run(['check', '--config', file]);
  assert.equal(code, 0, output);
  assert.match(output, /OK/);
  assert.match(output, /1 providers?, 1 models?/);
});

test('check: an unknown key is reported with file:line and exits non-zero', async () => {
  const file = writeConfig(GOOD.replace(
      '    base_url: http://127.0.0.1:11434/v1\n',
      '    base_url: http://127.0.0.1:11434/v1\n    api_kee: x\n'));
  const {code, output} = await run(['check', '--config', file]);
  assert.notEqual(code, 0);
  // api_kee is on line 14.
  assert.ok(output.includes(`${file}:14:`), output);
  assert.match(output, /unknown key 'api_kee'/);
});

test('check: a deployment naming an undefined provider → file:line', async () => {
  const file = writeConfig(GOOD.replace('- provider: local', '- provider: nowhere'));
  const {code, output} = await run(['check', '--config', file]);
  assert.notEqual(code, 0);
  assert.ok(output.includes(`${file}:19:`), output);
  assert.match(output, /nowhere/);
});

test('check: a bad value names the key and what was expected', async () => {
  const file = writeConfig(GOOD.replace('first_byte_timeout: 500ms', 'first_byte_timeout: soon'));
  const {code, output} = await run(['check', '--config', file]);
  assert.notEqual(code, 0);
  assert.ok(output.includes(`${file}:7:`), output);
  assert.match(output, /upstream\.first_byte_timeout/);
  assert.match(output, /duration/);
});

test('check: invalid YAML → file:line', async () => {
  const file = writeConfig('listen: 127.0.0.1:8080\nproviders:\n  a: [unclosed\n');
  const {code, output} = await run(['check', '--config', file]);
  assert.notEqual(code, 0);
  assert.ok(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+`).test(output), output);
});

test('check: a missing environment variable is an error naming it', async () => {
  const file = writeConfig(GOOD.replace(
      '    headers:\n', '    api_key: ${SWITCHYARD_E2E_SURELY_UNSET}\n    headers:\n'));
  const env = {...process.env};
  delete env.SWITCHYARD_E2E_SURELY_UNSET;
  const {code, output} = await run(['check', '--config', file], env);
  assert.notEqual(code, 0);
  assert.match(output, /SWITCHYARD_E2E_SURELY_UNSET/);
  assert.ok(output.includes(`${file}:`), output);

  const set = await run(['check', '--config', file], {...env, SWITCHYARD_E2E_SURELY_UNSET: 'sk-1'});
  assert.equal(set.code, 0, set.output);
});

test('check: a missing file exits non-zero', async () => {
  const {code, output} = await run(['check', '--config', '/nonexistent/switchyard.yaml']);
  assert.notEqual(code, 0);
  assert.match(output, /nonexistent\/switchyard\.yaml/);
});

test('serve refuses a bad configuration without listening', async () => {
  const file = writeConfig(GOOD.replace('workers: 2', 'workers: many'));
  const {code, output} = await run(['serve', '--config', file, '--listen', '127.0.0.1:0']);
  assert.notEqual(code, 0);
  assert.ok(output.includes(`${file}:2:`), output);
  assert.doesNotMatch(output, /switchyard listening/);
});

test('offline demo: serve with no config and no keys uses the bundled emulator', async () => {
  const env = {...process.env};
  for (const k of Object.keys(env)) {
    if (/_API_KEY$|^AWS_|^AZURE_|^GOOGLE_|^GEMINI_/.test(k)) delete env[k];
  }
  const child =
      new Child(switchyardBin(), ['serve', '--listen', '127.0.0.1:0', '--workers', '1'], {env});
  children.push(child);
  const m = await child.waitForOutput(/switchyard listening on http:\/\/([\d.]+):(\d+)/, 10000);
  assert.match(child.output, /bundled provider emulator/);
  const url = `http://${m[1]}:${m[2]}`;
  await waitReady(url);

  const client =
      new OpenAI({baseURL: `${url}/v1`, apiKey: 'anything', maxRetries: 0, timeout: 10000});
  const {data, response} =
      await client.chat.completions
          .create({model: 'gpt-4o', messages: [{role: 'user', content: 'hello'}]})
          .withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.ok(data.choices[0].message.content.length > 0);
  assert.equal(response.headers.get('x-switchyard-provider'), 'emulator');

  const stream = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{role: 'user', content: 'hello'}],
    stream: true,
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.ok(text.length > 0);

  // "model": "auto" works out of the box: the embedded policy picks a tier.
  const auto = await client.chat.completions
                   .create({model: 'auto', messages: [{role: 'user', content: 'Hi there'}]})
                   .withResponse();
  assert.equal(auto.data.object, 'chat.completion');
  assert.equal(auto.response.headers.get('x-switchyard-tier'), 'mini');
  assert.equal(auto.response.headers.get('x-switchyard-model'), 'gpt-4o-mini');

  child.signalChild('SIGTERM');
  const {code} = await child.waitForExit(5000);
  assert.equal(code, 0);
});
