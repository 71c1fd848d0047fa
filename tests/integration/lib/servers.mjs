// Private PostgreSQL and Redis servers for the end-to-end tests, the node
// twin of tests/store/postgres/private_servers.h: each starts on a free high
// port of 127.0.0.1 in its own temporary directory, start() waits (bounded)
// until it answers, stop() ends it (SIGKILL after a grace period) and never
// throws. Call stop() in an `after` hook; every server still running when the
// test process exits is SIGKILLed with its process group, and the
// directories are removed.
//
// A missing server binary is an ERROR naming the Debian package to install
// (scripts/install-deps installs them). PostgreSQL refuses to run as root: as
// root, both servers run as the system user `switchyard-test` (created when
// absent) and their directory is chowned to it.
import {execFile, execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import {sleep} from './process.mjs';

const TEST_USER = 'switchyard-test';
const REDIS_SERVER = '/usr/bin/redis-server';
const REDIS_CLI = '/usr/bin/redis-cli';
const PSQL = '/usr/bin/psql';

const liveGroups = new Set();
const tempDirs = new Set();
process.on('exit', () => {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of tempDirs) fs.rmSync(dir, {recursive: true, force: true});
});

// A port the kernel just handed out on 127.0.0.1 (free at that moment).
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// {uid, gid} to run servers as: ourselves, or `switchyard-test` when root.
function serverIdentity() {
  if (process.getuid() !== 0) return {uid: process.getuid(), gid: process.getgid()};
  const lookup = () => {
    try {
      const uid = Number(execFileSync('id', ['-u', TEST_USER], {stdio: 'pipe'}).toString());
      const gid = Number(execFileSync('id', ['-g', TEST_USER], {stdio: 'pipe'}).toString());
      return {uid, gid};
    } catch {
      return null;
    }
  };
  let id = lookup();
  if (!id) {
    try {
      execFileSync(
          'useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', TEST_USER],
          {stdio: 'pipe'});
    } catch {
      // a concurrent creation, or no useradd: the lookup below decides
    }
    id = lookup();
  }
  if (!id) throw new Error(`cannot find or create the system user ${TEST_USER} to run servers`);
  return id;
}

function tempDirFor(prefix, owner) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  fs.chownSync(dir, owner.uid, owner.gid);
  return dir;
}

function requireBinary(file, debianPackage) {
  if (!fs.existsSync(file)) {
    throw new Error(
        `${file} not found: install Debian's ${debianPackage} (bash scripts/install-deps)`);
  }
}

// Runs `file args` as `owner` to completion; rejects with its output on failure.
function runAs(file, args, owner, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    execFile(
        file, args, {uid: owner.uid, gid: owner.gid, timeout: timeoutMs, maxBuffer: 4 << 20},
        (err, stdout, stderr) => {
          if (err) reject(new Error(`${path.basename(file)} failed: ${err.message}\n${stderr}`));
          else resolve(stdout);
        });
  });
}

// A long-running server process in its own process group, output to `log`.
class ServerProcess {
  constructor(file, args, owner, log) {
    const fd = fs.openSync(log, 'a');
    this.proc = spawn(file, args, {
      uid: owner.uid,
      gid: owner.gid,
      detached: true,  // own process group: kill(-pid) reaches its children
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    this.pid = this.proc.pid;
    liveGroups.add(this.pid);
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => resolve({code, signal}));
      this.proc.on('error', (err) => resolve({code: null, signal: null, error: err}));
    });
    this.exited.then(() => liveGroups.delete(this.pid));
    this.running = true;
    this.exited.then(() => {
      this.running = false;
    });
  }

  signal(sig) {
    if (!this.running) return;
    try {
      process.kill(this.pid, sig);
    } catch {
      // raced with its exit
    }
  }

  // `sig`, then SIGKILL to the whole group after graceMs. Never throws.
  async stop(sig, graceMs) {
    if (this.running) {
      this.signal(sig);
      let timer;
      const timeout = new Promise((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const outcome = await Promise.race([this.exited, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        try {
          process.kill(-this.pid, 'SIGKILL');
        } catch {
          // gone
        }
        await this.exited;
      }
    }
    // Children of the group (PostgreSQL backends) after a SIGKILL of the leader.
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // none left
    }
    liveGroups.delete(this.pid);
  }
}

async function waitFor(probe, timeoutMs, what, logFile) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(50);
  }
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
  throw new Error(`${what} not ready after ${timeoutMs} ms; log ${logFile}:\n${log}`);
}

// True when a Redis server on `port` answers PING.
function redisPing(port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = net.connect({host: '127.0.0.1', port});
    let reply = '';
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

export class PrivateRedis {
  // Allocates a port and directory and starts the server.
  static async start() {
    requireBinary(REDIS_SERVER, 'redis-server');
    const r = new PrivateRedis();
    r.owner = serverIdentity();
    r.dir = tempDirFor('switchyard-redis-', r.owner);
    r.port = await freePort();
    await r.start();
    return r;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  get log() {
    return path.join(this.dir, 'redis.log');
  }

  // (Re)starts on the same port; resolves once it answers PING.
  async start() {
    this.server = new ServerProcess(
        REDIS_SERVER,
        [
          '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
          '--dir', this.dir, '--daemonize', 'no'
        ],
        this.owner, this.log);
    await waitFor(() => redisPing(this.port), 10000, `redis-server on port ${this.port}`, this.log);
  }

  // SIGSTOP / SIGCONT: a hung server (connections open, nothing answers).
  pause() {
    this.server?.signal('SIGSTOP');
  }

  resume() {
    this.server?.signal('SIGCONT');
  }

  // Runs one command through redis-cli (Debian redis-tools, installed with
  // redis-server); resolves with its output. Uses the partition password
  // while partitioned.
  command(...args) {
    const auth = this.password ? ['-a', this.password, '--no-auth-warning'] : [];
    return new Promise((resolve, reject) => {
      execFile(
          REDIS_CLI, ['-h', '127.0.0.1', '-p', String(this.port), ...auth, ...args],
          {timeout: 5000}, (err, stdout, stderr) => {
            if (err) reject(new Error(`redis-cli ${args.join(' ')}: ${err.message} ${stderr}`));
            else resolve(stdout.trim());
          });
    });
  }

  // A network partition that keeps the data: every client is disconnected
  // and cannot authenticate again until heal(). The server keeps running.
  async partition() {
    requireBinary(REDIS_CLI, 'redis-tools');
    const password = `partitioned-${process.pid}-${Date.now()}`;
    await this.command('CONFIG', 'SET', 'requirepass', password);
    this.password = password;
    await this.command('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await this.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
  }

  async heal() {
    await this.command('CONFIG', 'SET', 'requirepass', '');
    this.password = undefined;
  }

  // Gone at once, as a crash would do.
  async kill() {
    this.resume();
    await this.server?.stop('SIGKILL', 2000);
  }

  async stop() {
    this.resume();
    await this.server?.stop('SIGTERM', 5000);
  }
}

// The newest /usr/lib/postgresql/N/bin holding a `postgres` binary.
function postgresBinDir() {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ?
      fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'postgres'))) :
      [];
  if (versions.length === 0) {
    throw new Error(
        'PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin: install Debian\'s ' +
        'postgresql (bash scripts/install-deps)');
  }
  versions.sort((a, b) => Number(b) - Number(a));
  return path.join(root, versions[0], 'bin');
}

export class PrivatePostgres {
  // initdb in a fresh directory (trust authentication, superuser `postgres`),
  // then starts the server.
  static async start() {
    const pg = new PrivatePostgres();
    pg.bin = postgresBinDir();
    requireBinary(PSQL, 'postgresql-client');
    pg.owner = serverIdentity();
    pg.dir = tempDirFor('switchyard-pg-', pg.owner);
    pg.data = path.join(pg.dir, 'data');
    pg.port = await freePort();
    await runAs(
        path.join(pg.bin, 'initdb'),
        ['-D', pg.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], pg.owner);
    await pg.start();
    return pg;
  }

  // postgres://postgres@127.0.0.1:PORT/DB
  url(db = 'postgres') {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}`;
  }

  get log() {
    return path.join(this.dir, 'postgres.log');
  }

  // (Re)starts on the same port and data; resolves once it accepts queries.
  async start() {
    this.server = new ServerProcess(
        path.join(this.bin, 'postgres'),
        [
          '-D', this.data, '-p', String(this.port), '-k', this.dir, '-c',
          'listen_addresses=127.0.0.1', '-c', 'fsync=off'
        ],
        this.owner, this.log);
    await waitFor(async () => {
      if (!this.server.running) return false;
      try {
        await this.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    }, 30000, `postgres on port ${this.port}`, this.log);
  }

  // Fast shutdown (SIGINT: clients disconnected, no waiting for them).
  async stop() {
    await this.server?.stop('SIGINT', 10000);
  }

  // Runs `sql` through psql on database `db`; resolves with the rows as
  // arrays of column texts (unaligned, tab-separated). Rejects on error.
  query(sql, db = 'postgres', {timeoutMs = 10000} = {}) {
    return new Promise((resolve, reject) => {
      execFile(
          PSQL,
          [
            '-X', '-q', '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p',
            String(this.port), '-U', 'postgres', '-d', db, '-c', sql
          ],
          {
            timeout: timeoutMs,
            maxBuffer: 16 << 20,
            env: {...process.env, PGCONNECT_TIMEOUT: '2'},
          },
          (err, stdout, stderr) => {
            if (err) {
              reject(new Error(`psql ${sql}: ${err.message} ${stderr}`));
              return;
            }
            const lines = stdout.split('\n').filter((l) => l.length > 0);
            resolve(lines.map((l) => l.split('\t')));
          });
    });
  }

  // The first column of the first row, as text.
  async scalar(sql, db = 'postgres') {
    const rows = await this.query(sql, db);
    return rows.length ? rows[0][0] : undefined;
  }

  async createDatabase(name) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
    await this.query(`CREATE DATABASE ${name}`);
  }
}
