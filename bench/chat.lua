-- wrk script: POSTs a realistic OpenAI chat request.
-- Environment: BENCH_MODEL (default bench-model), BENCH_DELAY_MS (pause per
-- connection between requests: the paced, fixed-moderate-rate mode),
-- BENCH_HEADERS ("Name: value|Name2: value2", extra headers, e.g. Portkey's).
-- done() prints one machine-readable RESULT line (latencies in microseconds).
local model = os.getenv("BENCH_MODEL") or "bench-model"
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench-0000000000000000"
for pair in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^|]+") do
  local name, value = string.match(pair, "^%s*([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end
wrk.body = '{"model":"' .. model .. '","messages":[{"role":"system","content":"You are a concise ' ..
  'assistant. Answer in one paragraph."},{"role":"user","content":"Explain in two sentences ' ..
  'why keep-alive connections reduce latency for HTTP APIs, and name one drawback."}],' ..
  '"temperature":0.2,"max_tokens":256,"user":"bench"}'

if delay_ms > 0 then
  function delay() return delay_ms end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d errors=%d non2xx=%d p50=%d p90=%d p99=%d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
