// Helpers for the governance end-to-end tests (virtual keys, limits, credits,
// ledger): an admin API client, raw chat requests that keep status, headers
// and usage, the `switchyard keys|usage` CLI, read-only SQL on the store
// file, money arithmetic matching the gateway's (integer micro-dollars), and
// a capture of every byte a gateway prints (for the no-secrets-in-logs test).
// Every wait is bounded.
import {execFile} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {switchyardBin} from './paths.mjs';
import {sleep, withTimeout} from './process.mjs';

const tempDirs = new Set();
process.on('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, {recursive: true, force: true});
});

// A fresh, absolute SQLite store path in its own temporary directory.
export function freshStorePath() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-gov-'));
  tempDirs.add(dir);
  return path.join(dir, 'store.db');
}

// An admin key long enough for the config (≥ 16) and distinctive enough to
// find in logs.
export function newAdminKey() {
  return `adm-e2e-${crypto.randomBytes(16).toString('hex')}`;
}

async function readJson(res) {
  const text = await res.text();
  try {
    return text.length ? JSON.parse(text) : null;
  } catch {
    return {unparsed: text};
  }
}

// The admin API under /admin/, authenticated with `adminKey`.
export class AdminClient {
  constructor(baseUrl, adminKey) {
    this.baseUrl = baseUrl;
    this.adminKey = adminKey;
  }

  // Returns {status, headers, body, text}; `authorization` overrides the header
  // (null sends none).
  async request(method, pathAndQuery, body, {authorization} = {}) {
    const headers = {};
    const auth = authorization === undefined ? `Bearer ${this.adminKey}` : authorization;
    if (auth !== null) headers.authorization = auth;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${pathAndQuery}`, {
      method,
      headers,
      body: body === undefined     ? undefined :
          typeof body === 'string' ? body :
                                     JSON.stringify(body),
      signal: AbortSignal.timeout(10000),
    });
    const text = await res.text();
    let parsed = null;
    try {
      parsed = text.length ? JSON.parse(text) : null;
    } catch {
      parsed = {unparsed: text};
    }
    return {status: res.status, headers: res.headers, body: parsed, text};
  }

  async createKey(fields) {
    const r = await this.request('POST', '/admin/keys', fields);
    if (r.status !== 201) throw new Error(`POST /admin/keys → ${r.status}: ${r.text}`);
    return r.body;
  }

  async getKey(id) {
    const r = await this.request('GET', `/admin/keys/${id}`);
    if (r.status !== 200) throw new Error(`GET /admin/keys/${id} → ${r.status}: ${r.text}`);
    return r.body;
  }

  async usage(query = {}) {
    const qs = new URLSearchParams(query).toString();
    const r = await this.request('GET', `/admin/usage${qs ? `?${qs}` : ''}`);
    if (r.status !== 200) throw new Error(`GET /admin/usage → ${r.status}: ${r.text}`);
    return r.body;
  }
}

// POST /v1/chat/completions with raw fetch. `secret` null sends no
// Authorization. Returns {status, headers, body, ms} (body parsed JSON, or
// for streams {chunks, usage, text}).
export async function chat(baseUrl, secret, body, {timeoutMs = 15000, headers = {}} = {}) {
  const h = {'content-type': 'application/json', ...headers};
  if (secret !== null && secret !== undefined) h.authorization = `Bearer ${secret}`;
  const started = Date.now();
  const res = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: h,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (res.status === 200 &&
      (res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const text = await res.text();
    const chunks = [];
    let usage = null;
    for (const block of text.split('\n\n')) {
      const line = block.split('\n').find((l) => l.startsWith('data:'));
      if (!line) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') continue;
      const chunk = JSON.parse(data);
      chunks.push(chunk);
      if (chunk.usage) usage = chunk.usage;
    }
    return {
      status: res.status,
      headers: res.headers,
      body: {chunks, usage, text},
      at: Date.now(),
      ms: Date.now() - started
    };
  }
  return {
    status: res.status,
    headers: res.headers,
    body: await readJson(res),
    at: Date.now(),
    ms: Date.now() - started
  };
}

// Runs the CLI (`switchyard ARGS…`); resolves {code, stdout, stderr}.
export function runCli(args, {timeoutMs = 10000} = {}) {
  return new Promise((resolve) => {
    execFile(
        switchyardBin(), args, {timeout: timeoutMs, maxBuffer: 4 << 20}, (err, stdout, stderr) => {
          resolve({code: err ? (err.code ?? 1) : 0, stdout, stderr});
        });
  });
}

// Read-only SQL on a store file through the sqlite3 shell (Debian package
// `sqlite3`); returns rows as objects.
export function sql(dbPath, query) {
  return new Promise((resolve, reject) => {
    execFile(
        'sqlite3', ['-cmd', '.timeout 3000', '-json', dbPath, query],
        {timeout: 10000, maxBuffer: 16 << 20}, (err, stdout, stderr) => {
          if (err) {
            reject(new Error(`sqlite3 ${query}: ${err.message} ${stderr}`));
            return;
          }
          resolve(stdout.trim() ? JSON.parse(stdout) : []);
        });
  });
}

// Polls `probe` (async; returns a value or undefined/false) until truthy.
export async function waitUntil(probe, timeoutMs, what, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await withTimeout(probe(), Math.max(1000, timeoutMs), what);
    if (last) return last;
    if (Date.now() >= deadline) throw new Error(`${what}: not true after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

// USD per million tokens → integer pico-dollars per token.
export function picoPerToken(usdPerMillion) {
  return Math.round(usdPerMillion * 1e6);
}

// The gateway's cost rule: exact in pico-dollars, rounded once (half up) to
// the micro-dollar. prompt tokens at `input`, completion at `output`.
export function costMicros(prices, promptTokens, completionTokens) {
  const pico = BigInt(promptTokens) * BigInt(picoPerToken(prices.input)) +
      BigInt(completionTokens) * BigInt(picoPerToken(prices.output));
  return Number((pico + 500000n) / 1000000n);
}

// A JSON USD amount (as the admin API writes it) → integer micro-dollars.
export function usdToMicros(usd) {
  return usd === null || usd === undefined ? usd : Math.round(Number(usd) * 1e6);
}

// Every byte a child printed, unbounded (Child.output keeps only the tail).
export class OutputCapture {
  constructor() {
    this.parts = [];
  }

  // Call right after the child started: takes what it printed so far, then
  // listens for the rest.
  attach(child) {
    this.parts.push(child.output);
    const onData = (d) => this.parts.push(d.toString('utf8'));
    child.proc.stdout.on('data', onData);
    child.proc.stderr.on('data', onData);
  }

  add(text) {
    this.parts.push(text);
  }

  get text() {
    return this.parts.join('');
  }
}
