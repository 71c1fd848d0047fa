// Child processes for the end-to-end tests: spawn with captured output, wait
// (bounded) for a line on stdout/stderr, stop with SIGTERM then SIGKILL.
// Every child is tracked and killed when the test process exits, so a failed
// or timed-out test never leaves a gateway or emulator running.
import {spawn} from 'node:child_process';
import {once} from 'node:events';

const live = new Set();

process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

// A last resort against a hung test: a test file that runs this long is
// killed (its children with it, by the 'exit' hook above).
const WATCHDOG_MS = Number(process.env.SWITCHYARD_E2E_WATCHDOG_MS || 90000);
setTimeout(() => {
  process.stderr.write(
      `e2e watchdog: test file still running after ${WATCHDOG_MS} ms; ` +
      'killing it and its children\n');
  process.exit(1);
}, WATCHDOG_MS).unref();

// A spawned child with its combined output kept (bounded) for assertions.
export class Child {
  constructor(command, args, options = {}) {
    this.command = command;
    this.args = args;
    this.output = '';
    this.exitCode = undefined;
    this.signal = undefined;
    this.proc = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this.proc);
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exitCode = code;
        this.signal = signal;
        live.delete(this.proc);
        resolve({code, signal});
      });
      this.proc.on('error', (err) => {
        this.output += `\n[spawn error] ${err.message}\n`;
        live.delete(this.proc);
        resolve({code: null, signal: null, error: err});
      });
    });
    this.listeners = new Set();
    const onData = (data) => {
      this.output += data.toString('utf8');
      if (this.output.length > 1 << 20) this.output = this.output.slice(-(1 << 19));
      for (const l of this.listeners) l();
    };
    this.proc.stdout.on('data', onData);
    this.proc.stderr.on('data', onData);
  }

  get running() {
    return this.exitCode === undefined && this.signal === undefined;
  }

  // Resolves with the regex match once the output matches `regex`; rejects on
  // exit or after `timeoutMs`.
  waitForOutput(regex, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      let timer;
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      const check = () => {
        const m = this.output.match(regex);
        if (m) {
          done();
          resolve(m);
        }
      };
      timer = setTimeout(() => {
        done();
        reject(new Error(
            `timed out after ${timeoutMs} ms waiting for ${regex} from ` +
            `${this.command}; output so far:\n${this.output}`));
      }, timeoutMs);
      this.listeners.add(check);
      this.exited.then(() => {
        if (!this.listeners.has(check)) return;
        check();
        if (!this.listeners.has(check)) return;
        done();
        reject(new Error(
            `${this.command} exited (${this.exitCode ?? this.signal}) before ` +
            `printing ${regex}; output:\n${this.output}`));
      });
      check();
    });
  }

  // Resolves with {code, signal} once the child exits, or rejects after timeoutMs.
  async waitForExit(timeoutMs = 5000) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
          () => reject(new Error(`${this.command} did not exit within ${timeoutMs} ms`)),
          timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  signalChild(signal) {
    if (this.running) this.proc.kill(signal);
  }

  // SIGTERM, then SIGKILL if it has not exited after graceMs. Never throws.
  async stop(graceMs = 3000) {
    if (!this.running) return this.exited;
    this.proc.kill('SIGTERM');
    try {
      return await this.waitForExit(graceMs);
    } catch {
      this.proc.kill('SIGKILL');
      return this.exited;
    }
  }
}

export async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export {once};
