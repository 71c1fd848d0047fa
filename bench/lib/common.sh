# Shared helpers of the bench/ scripts (sourced). Every server runs on
# 127.0.0.1 from a private temp dir; cleanup() stops only the processes
# these scripts started, by pid.
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT_DIR="$(cd "$BENCH_DIR/.." && pwd)"
SWITCHYARD_BIN="${SWITCHYARD_BIN:-$ROOT_DIR/build/switchyard}"
source "$BENCH_DIR/lib/portkey.sh"
# Cores: the load generator and the upstream on one, the proxy under test on
# the other (2-core machine). Override with BENCH_LOAD_CPU / BENCH_SERVER_CPU.
NCPU="$(nproc)"
BENCH_LOAD_CPU="${BENCH_LOAD_CPU:-0}"
BENCH_SERVER_CPU="${BENCH_SERVER_CPU:-$((NCPU > 1 ? 1 : 0))}"
STARTED_PIDS=()

WORK="$(mktemp -d /tmp/switchyard-bench.XXXXXX)"
# Servers write state relative to the cwd (e.g. the SQLite store): keep it in WORK.
cd "$WORK"

# start_bg NAME CPU CMD...: runs CMD in the background pinned to CPU, output
# in $WORK/NAME.log. taskset execs CMD, so the pid (BG_PID, also appended to
# STARTED_PIDS) is the server's own.
start_bg() {
  local name="$1" cpu="$2"; shift 2
  taskset -c "$cpu" "$@" >"$WORK/$name.log" 2>&1 &
  BG_PID=$!
  STARTED_PIDS+=("$BG_PID")
}

# start_nginx NAME CPU: nginx with the config written to $WORK/NAME/nginx.conf.
start_nginx() { start_bg "$1" "$2" nginx -e stderr -p "$WORK/$1" -c "$WORK/$1/nginx.conf"; }

# start_switchyard CPU [ARGS...]: `switchyard serve` (1 worker) with $WORK/switchyard.yaml.
start_switchyard() {
  local cpu="$1"; shift
  start_bg switchyard "$cpu" "$SWITCHYARD_BIN" serve --config "$WORK/switchyard.yaml" --workers 1 "$@"
}

# stop_pid PID: SIGTERM, then SIGKILL if it is still there after 5 s.
stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

cleanup() {
  local pid
  # Signal everyone first so they stop in parallel, then wait for each.
  for pid in "${STARTED_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid"; done
  if [ -z "${BENCH_KEEP_WORK:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { BENCH_KEEP_WORK=1; echo "bench: $* (logs kept in $WORK)" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found (run scripts/install-deps)"; }
need ss  # free_port

# A free TCP port on 127.0.0.1, below the kernel's ephemeral range (so no
# client connection of a previous run can hold it) and not in use in any state.
free_port() {
  local low p
  low="$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
  [ "$low" -gt 12000 ] || low=32768
  while :; do
    p=$((10000 + RANDOM % (low - 10000)))
    if ! ss -Htan "( sport = :$p )" | grep -q . &&
       ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}

# wait_http URL [curl args...]: waits up to 20 s for a 2xx answer.
wait_http() {
  local url="$1"; shift
  for _ in $(seq 200); do
    if curl -fsS -o /dev/null --max-time 2 "$@" "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

vm_hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
vm_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"} else if (NR%2) {print a[(NR+1)/2]} else {print (a[NR/2]+a[NR/2+1])/2}}'; }

commit_id() {
  if git -C "$ROOT_DIR" rev-parse --short HEAD >/dev/null 2>&1; then
    local c; c="$(git -C "$ROOT_DIR" rev-parse --short HEAD)"
    if [ -n "$(git -C "$ROOT_DIR" status --porcelain 2>/dev/null | head -1)" ]; then c="$c+uncommitted"; fi
    echo "$c"
  else
    echo "uncommitted"
  fi
}

machine_desc() {
  local model; model="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "${model:-unknown CPU}, $NCPU cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
}

# write_nginx_conf DIR < SERVER_BLOCKS: writes DIR/nginx.conf, the part every
# bench nginx shares (foreground, one worker, state and temp files under DIR,
# long keep-alive) followed by the server blocks read from stdin, inside http {}.
write_nginx_conf() {
  local dir="$1"
  mkdir -p "$dir/logs" "$dir/tmp"
  {
    cat <<NGX
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_body_buffer_size 64k;
NGX
    cat
    echo "}"
  } >"$dir/nginx.conf"
}

# Writes the upstream nginx (OpenAI look-alike) config; prints nothing.
# $1 = port. Non-streamed: POST /v1/chat/completions -> fixed chat.completion.
# Streamed: POST /stream/v1/chat/completions -> fixed SSE stream (12 chunks).
write_upstream_conf() {
  local port="$1" dir="$WORK/nginx-upstream"
  local body; body="$(cat "$BENCH_DIR/upstream_body.json")"
  local sse="" i
  for i in $(seq 0 11); do  # 12 chunks: nginx caps one config token at 4 KiB
    sse+="data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" word$i\"},\"logprobs\":null,\"finish_reason\":null}]}"$'\n\n'
  done
  sse+="data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}"$'\n\n'
  sse+="data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":41,\"completion_tokens\":12,\"total_tokens\":53}}"$'\n\n'
  sse+="data: [DONE]"$'\n\n'
  write_nginx_conf "$dir" <<NGX
  server {
    listen 127.0.0.1:$port reuseport backlog=4096;
    location = /v1/chat/completions {
      default_type application/json;
      return 200 '$body';
    }
    location = /stream/v1/chat/completions {
      default_type text/event-stream;
      return 200 '$sse';
    }
  }
NGX
}

# $1 = listen port, $2 = upstream port: nginx as a plain keep-alive reverse proxy.
write_proxy_conf() {
  local port="$1" up="$2" dir="$WORK/nginx-proxy"
  write_nginx_conf "$dir" <<NGX
  upstream llm { server 127.0.0.1:$up; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$port reuseport backlog=4096;
    location / {
      proxy_pass http://llm;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
NGX
}

# $1 = listen port, $2 = upstream base URL (with /v1), $3 = streaming upstream base URL.
write_switchyard_conf() {
  cat > "$WORK/switchyard.yaml" <<YAML
listen: 127.0.0.1:$1
workers: 1
log_level: warn
providers:
  bench:
    type: openai
    base_url: $2
    api_key: sk-bench-upstream-0000000000
  bench-stream:
    type: openai
    base_url: $3
    api_key: sk-bench-upstream-0000000000
models:
  - name: bench-model
    deployments:
      - provider: bench
        model: gpt-4o-mini
  - name: bench-stream
    deployments:
      - provider: bench-stream
        model: gpt-4o-mini
YAML
}

# Installs the pinned Portkey gateway into bench/.portkey (git-ignored) unless
# present (scripts/install-deps installs it). Prints the path of its start
# script, or nothing when it cannot be had.
ensure_portkey() {
  install_portkey "$WORK/portkey-install.log" && echo "$PORTKEY_SCRIPT"
  return 0
}
