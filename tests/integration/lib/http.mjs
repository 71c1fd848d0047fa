// Raw HTTP/1.1 over TCP for what fetch cannot do: oversized headers, a body
// sent in hand-made chunks, several requests on one socket, a stalled client.
// Every wait is bounded.
import net from 'node:net';

// Parses one HTTP response at the start of `buf` (a Buffer). Returns null
// while incomplete; `untilClose` bodies (no length) complete only at EOF.
export function parseResponse(buf, eof = false) {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const head = buf.subarray(0, headEnd).toString('latin1').split('\r\n');
  const m = head[0].match(/^HTTP\/1\.[01] (\d{3})/);
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(head[0])}`);
  const headers = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const status = Number(m[1]);
  let pos = headEnd + 4;
  if (status === 100) {
    return {status, headers, body: '', consumed: pos};
  }
  if (headers['content-length'] !== undefined) {
    const len = Number(headers['content-length']);
    if (buf.length < pos + len) return null;
    return {
      status,
      headers,
      body: buf.subarray(pos, pos + len).toString('utf8'),
      consumed: pos + len
    };
  }
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts = [];
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', pos);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.subarray(pos, lineEnd).toString('latin1'), 16);
      if (buf.length < lineEnd + 2 + size + 2) return null;
      if (size === 0) {
        return {
          status,
          headers,
          body: Buffer.concat(parts).toString('utf8'),
          consumed: lineEnd + 4
        };
      }
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      pos = lineEnd + 2 + size + 2;
    }
  }
  if (!eof) return null;
  return {status, headers, body: buf.subarray(pos).toString('utf8'), consumed: buf.length};
}

// One client TCP connection with a receive buffer.
export class RawConnection {
  static open(host, port, timeoutMs = 2000) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({host, port});
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RawConnection(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.ended = false;
    this.error = null;
    this.closedAt = null;
    this.waiters = new Set();
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', (err) => {
      this.error = err;
      this.ended = true;
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.closedAt ??= Date.now();
      this.wake();
    });
  }

  wake() {
    for (const w of this.waiters) w();
  }

  // Resolves once `ready()` returns a value (checked on each event).
  waitFor(ready, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      let timer;
      const check = () => {
        let v;
        try {
          v = ready();
        } catch (err) {
          cleanup();
          reject(err);
          return;
        }
        if (v !== undefined && v !== null) {
          cleanup();
          resolve(v);
        }
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      timer = setTimeout(() => {
        cleanup();
        reject(new Error(
            `${what}: timed out after ${timeoutMs} ms; received so far: ` +
            JSON.stringify(this.buf.toString('latin1').slice(0, 2000))));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  write(data) {
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  // The next complete response (consumed from the buffer).
  readResponse(timeoutMs = 3000) {
    return this.waitFor(() => {
      const r = parseResponse(this.buf, this.ended);
      if (r) {
        this.buf = this.buf.subarray(r.consumed);
        return r;
      }
      if (this.ended) {
        throw new Error(
            `connection closed before a complete response; received: ` +
            JSON.stringify(this.buf.toString('latin1').slice(0, 2000)));
      }
      return null;
    }, timeoutMs, 'read response');
  }

  // Resolves with the time (ms since epoch) the peer closed the connection.
  waitClosed(timeoutMs = 3000) {
    return this.waitFor(
        () => (this.ended ? this.closedAt ?? Date.now() : null), timeoutMs, 'wait for close');
  }

  destroy() {
    this.socket.destroy();
  }
}

// Sends `data` on a fresh connection and returns the first response.
export async function rawRequest(host, port, data, timeoutMs = 3000) {
  const conn = await RawConnection.open(host, port);
  try {
    await conn.write(data);
    return await conn.readResponse(timeoutMs);
  } finally {
    conn.destroy();
  }
}

// Resolves true if a TCP connect is refused, false if it is accepted.
export function connectRefused(host, port, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({host, port});
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
          new Error(`connect to ${host}:${port} neither accepted nor refused in ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      if (err.code === 'ECONNREFUSED')
        resolve(true);
      else
        reject(err);
    });
  });
}

// A port nothing listens on (bound then released).
export function closedPort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
