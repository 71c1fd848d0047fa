// Idle keep-alive connections for bench/run: opens N HTTP/1.1 connections,
// sends one chat request on each (keep-alive), reads each complete answer,
// then leaves every connection open and idle for --settle-ms and samples the
// VmRSS of --pid. Prints one JSON line: {connections, answered, failed,
// rss_kib} and closes everything. Raw sockets (node:net), so nothing pools,
// pipelines or closes connections behind our back. Every wait is bounded.
// Usage: node idle_client.mjs --url URL --connections N --pid PID
//        [--headers "Name: v|Name2: v2"] [--settle-ms MS] [--timeout-ms MS]
import fs from "node:fs";
import net from "node:net";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const url = new URL(args.url);
const count = Number(args.connections || 1000);
const settleMs = Number(args["settle-ms"] || 1000);
const timeoutMs = Number(args["timeout-ms"] || 20000);
const MAX_RESPONSE_BYTES = 1 << 20;

const body = JSON.stringify({
  model: "bench-model", max_tokens: 16,
  messages: [{ role: "user", content: "hi" }],
});
let head = `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
  `Authorization: Bearer sk-bench-0000000000000000\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
for (const pair of (args.headers || "").split("|")) {
  const i = pair.indexOf(":");
  if (i > 0) head += `${pair.slice(0, i).trim()}: ${pair.slice(i + 1).trim()}\r\n`;
}
const request = head + "\r\n" + body;

function rssKiB(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)/m);
    return m ? Number(m[1]) : null;
  } catch { return null; }
}

// True once `buf` holds one complete response (Content-Length or chunked).
function complete(buf) {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const headers = buf.subarray(0, end).toString("latin1");
  const len = /\r\ncontent-length:\s*(\d+)/i.exec(headers);
  if (len) return buf.length >= end + 4 + Number(len[1]);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(headers)) return buf.includes("\r\n0\r\n\r\n", end);
  return false;
}

// Resolves with the socket (kept open) once its answer is complete, or null.
function one() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (ok) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!ok) socket.destroy();
      resolve(ok ? socket : null);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on("connect", () => socket.write(request));
    socket.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length > MAX_RESPONSE_BYTES) return finish(false);
      if (complete(buf)) finish(/^HTTP\/1\.1 200 /.test(buf.toString("latin1", 0, 16)));
    });
    socket.on("error", () => finish(false));
    socket.on("close", () => finish(false));
  });
}

// Open in batches so the listen backlog is never the limit.
const sockets = [];
let failed = 0;
for (let i = 0; i < count; i += 100) {
  const batch = await Promise.all(Array.from({ length: Math.min(100, count - i) }, one));
  for (const s of batch) (s ? sockets.push(s) : failed++);
}
// Count connections the server closed while idle.
let closedWhileIdle = 0;
for (const s of sockets) s.on("close", () => closedWhileIdle++);
await new Promise((r) => setTimeout(r, settleMs));
const rss = args.pid ? rssKiB(args.pid) : null;
console.log(JSON.stringify({
  connections: count, answered: sockets.length, failed, closed_while_idle: closedWhileIdle, rss_kib: rss,
}));
for (const s of sockets) s.destroy();
