// Starts the gateway (`switchyard serve`) on a free port with a configuration
// written to a temporary file, and waits until GET /ready answers 200.
// Call stop() in an `after` hook: it kills the process even if a test failed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {switchyardBin} from './paths.mjs';
import {Child, sleep, withTimeout} from './process.mjs';
import {toYaml} from './yaml.mjs';

const tempDirs = new Set();
process.on('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, {recursive: true, force: true});
});

// Writes `config` (a plain object, or YAML text) to a fresh temporary file.
export function writeConfig(config, name = 'switchyard.yaml') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-e2e-'));
  tempDirs.add(dir);
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof config === 'string' ? config : toYaml(config));
  return file;
}

// An OpenAI-format provider on the emulator, optionally with a scenario.
export function emulatorProvider(emu, scenario = '', extra = {}) {
  return {type: 'openai', base_url: `${emu.url(scenario)}/v1`, api_key: 'sk-e2e-test', ...extra};
}

// A configuration with quick timeouts suited to tests; `overrides` replace
// top-level keys.
export function baseConfig(providers, models, overrides = {}) {
  return {
    listen: '127.0.0.1:0',
    workers: 1,
    log_level: 'info',
    limits: {header_timeout: '2s', body_timeout: '2s', idle_timeout: '5s'},
    upstream: {connect_timeout: '1s', first_byte_timeout: '3s', total_timeout: '20s'},
    shutdown: {drain_timeout: '5s'},
    providers,
    models,
    ...overrides,
  };
}

export async function waitReady(baseUrl, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await withTimeout(fetch(`${baseUrl}/ready`), 1000, 'GET /ready');
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err.message;
    }
    await sleep(25);
  }
  throw new Error(`gateway at ${baseUrl} not ready after ${timeoutMs} ms (${last})`);
}

export class Gateway {
  // Starts `switchyard serve --config FILE --listen 127.0.0.1:0`.
  static async start(config, {env, args = []} = {}) {
    const gw = new Gateway();
    gw.configPath = writeConfig(config);
    gw.child = new Child(
        switchyardBin(), ['serve', '--config', gw.configPath, '--listen', '127.0.0.1:0', ...args],
        {env});
    try {
      const m =
          await gw.child.waitForOutput(/switchyard listening on http:\/\/([\d.]+):(\d+)/, 10000);
      gw.host = m[1];
      gw.port = Number(m[2]);
      await waitReady(gw.url);
    } catch (err) {
      await gw.child.stop();
      throw err;
    }
    return gw;
  }

  get url() {
    return `http://${this.host}:${this.port}`;
  }

  get output() {
    return this.child.output;
  }

  stop() {
    return this.child ? this.child.stop() : Promise.resolve();
  }
}
