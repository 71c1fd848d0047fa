// Starts the provider emulator (`switchyard emulator --port 0`) and gives the
// tests its request log. Call stop() in an `after` hook.
import {switchyardBin} from './paths.mjs';
import {Child, withTimeout} from './process.mjs';

export class Emulator {
  static async start() {
    const emu = new Emulator();
    emu.child = new Child(switchyardBin(), ['emulator', '--port', '0']);
    try {
      const m = await emu.child.waitForOutput(/emulator listening on ([\d.]+):(\d+)/, 10000);
      emu.host = m[1];
      emu.port = Number(m[2]);
    } catch (err) {
      await emu.child.stop();
      throw err;
    }
    return emu;
  }

  // http://HOST:PORT, optionally with a scenario path prefix.
  url(scenario = '') {
    const base = `http://${this.host}:${this.port}`;
    // Scenario keys and values are [a-z0-9_=,]: valid in a path segment as is.
    return scenario ? `${base}/_s/${scenario}` : base;
  }

  async requests() {
    const res = await withTimeout(
        fetch(`${this.url()}/_emulator/requests`), 5000, 'GET /_emulator/requests');
    const body = await res.json();
    return body.requests;
  }

  async reset() {
    const res = await withTimeout(
        fetch(`${this.url()}/_emulator/reset`, {method: 'POST'}), 5000, 'POST /_emulator/reset');
    await res.arrayBuffer();
  }

  stop() {
    return this.child ? this.child.stop() : Promise.resolve();
  }
}
