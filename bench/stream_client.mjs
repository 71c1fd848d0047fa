// Streaming load client for bench/stream: opens N concurrent OpenAI-style
// streaming requests, timestamps every SSE event, and prints one JSON line:
// streams ok/failed, TTFT percentiles, inter-event gap percentiles, and the
// VmRSS / VmHWM of --pid sampled when every stream had its first event (all
// held open at once).
// Usage: node stream_client.mjs --url URL --streams N --model M [--pid PID]
import http from "node:http";
import fs from "node:fs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const url = new URL(args.url);
const streams = Number(args.streams || 100);
const pid = args.pid;
const body = JSON.stringify({
  model: args.model || "bench-stream", stream: true, max_tokens: 256,
  messages: [{ role: "user", content: "Count slowly." }],
});
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

function memKiB(field) {
  if (!pid) return null;
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+)`, "m"));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}

const ttfts = [], gaps = [];
let ok = 0, failed = 0, firstSeen = 0, heldRss = null, heldHwm = null;
const t0 = process.hrtime.bigint();
const ms = (t) => Number(t - t0) / 1e6;

function one() {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const req = http.request(url, { method: "POST", agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body),
                 authorization: "Bearer sk-bench-0000000000000000" } }, (res) => {
      if (res.statusCode !== 200) { failed++; res.resume(); res.on("end", resolve); return; }
      let buf = "", last = null, done = false;
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        const now = process.hrtime.bigint();
        buf += chunk;
        let idx;
        while ((idx = buf.indexOf("\n\n")) >= 0) {
          const ev = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          if (ev.includes("[DONE]")) { done = true; continue; }
          if (last === null) {
            ttfts.push(Number(now - start) / 1e6);
            if (++firstSeen === streams) { heldRss = memKiB("VmRSS"); heldHwm = memKiB("VmHWM"); }
          } else {
            gaps.push(Number(now - last) / 1e6);
          }
          last = now;
        }
      });
      res.on("end", () => { done ? ok++ : failed++; resolve(); });
      res.on("error", () => { failed++; resolve(); });
    });
    req.on("error", () => { failed++; resolve(); });
    req.end(body);
  });
}

const pct = (a, p) => {
  if (!a.length) return null;
  const s = Float64Array.from(a).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const idleRss = memKiB("VmRSS");
await Promise.all(Array.from({ length: streams }, one));
console.log(JSON.stringify({
  streams, ok, failed, elapsed_ms: ms(process.hrtime.bigint()),
  ttft_ms: { p50: pct(ttfts, 50), p99: pct(ttfts, 99) },
  gap_ms: { p50: pct(gaps, 50), p90: pct(gaps, 90), p99: pct(gaps, 99), n: gaps.length },
  rss_kib: { idle: idleRss, held: heldRss, hwm: heldHwm ?? memKiB("VmHWM") },
}));
