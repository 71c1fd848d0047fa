# The pinned Portkey AI gateway (@portkey-ai/gateway from the npm registry),
# the peer bench/run compares against. Sourced by bench/lib/common.sh and by
# scripts/install-deps; defines variables and functions only.
PORTKEY_VERSION="1.15.2"
PORTKEY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.portkey"  # git-ignored
PORTKEY_SCRIPT="$PORTKEY_DIR/node_modules/@portkey-ai/gateway/build/start-server.js"

# True when the pinned version is installed.
portkey_installed() {
  [ -f "$PORTKEY_SCRIPT" ] &&
    grep -q "\"version\": \"$PORTKEY_VERSION\"" "$PORTKEY_DIR/node_modules/@portkey-ai/gateway/package.json" 2>/dev/null
}

# install_portkey [LOG]: installs the pinned version unless present; npm's
# output goes to LOG (default: stderr). Fails when npm fails.
install_portkey() {
  local log="${1:-/dev/stderr}"
  portkey_installed && return 0
  mkdir -p "$PORTKEY_DIR"
  [ -f "$PORTKEY_DIR/package.json" ] || echo '{"name":"switchyard-bench-portkey","private":true}' >"$PORTKEY_DIR/package.json"
  npm install --prefix "$PORTKEY_DIR" --no-audit --no-fund --loglevel=error \
    "@portkey-ai/gateway@$PORTKEY_VERSION" >"$log" 2>&1 && portkey_installed
}
