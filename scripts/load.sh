#!/usr/bin/env bash
# Load and fault figures for docs/RELIABILITY.md (long; not part of test-all):
#   - N concurrent encrypted sessions, one connection each (default 10,000): handshake p50/p99,
#     host RSS and fds, and 10 clients streaming meanwhile;
#   - 1,000 connections sending garbage while 10 honest clients stream (honest tokens/s alone vs
#     under garbage);
#   - 64 connections sending well-formed inits encrypted to another host's key (each costs the host
#     an ECDH and a failed decryption) while 10 honest clients stream;
#   - 1,000 slowloris sockets (silent, half an HTTP upgrade, a WebSocket frame header that never
#     completes) while 10 clients stream: every one dropped by its deadline.
#
#   scripts/load.sh [SESSIONS] [GARBAGE] [SLOWLORIS] [INITS]    (defaults 10000 1000 1000 64; 0 skips one)
#
# Each scenario runs against a fresh `confide-node serve` (demo model, host key 0x11…11) started
# by this script with limits raised for the load; the client is node-server/examples/load.rs.
set -euo pipefail

sessions="${1:-10000}"
garbage="${2:-1000}"
slowloris="${3:-1000}"
inits="${4:-64}"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/confide/target}"

# The host and the load client each hold one descriptor per connection: raise the limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
needed=$((sessions + 1024))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$needed" ]; then
  echo "load: ulimit -n is $(ulimit -n), below the $needed this run needs" >&2
  exit 1
fi

cargo build --release -q -p confide-node-server --bin confide-node --example load
node="$CARGO_TARGET_DIR/release/confide-node"
load="$CARGO_TARGET_DIR/release/examples/load"
cache="$(mktemp -d)"
log="$(mktemp)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$cache" "$log"
}
trap cleanup EXIT

# Starts the host with `$@` added to the load limits; sets server_pid and server_addr.
start_host() {
  : >"$log"
  HOST_PRIVATE_KEY="0x$(printf '11%.0s' {1..32})" XDG_CACHE_HOME="$cache" RUST_LOG=warn \
    "$node" serve --listen 127.0.0.1:0 --max-connections $((sessions + 2048)) \
    --max-sessions $((sessions + 2048)) --idle-timeout 10m \
    --handshake-timeout 5s "$@" >"$log" 2>/dev/null &
  server_pid=$!
  for _ in $(seq 100); do
    server_addr="$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$log")"
    [ -n "$server_addr" ] && return 0
    sleep 0.1
  done
  echo "load: the host did not start" >&2
  exit 1
}

stop_host() {
  kill -TERM "$server_pid"
  wait "$server_pid" && echo "  host exited 0 after SIGTERM" || echo "  host exited with status $?"
  server_pid=""
}

echo "load: $sessions sessions, $garbage garbage connections, $slowloris slowloris sockets, $inits init-flooding connections ($(nproc) cores, ulimit -n $(ulimit -n))"
for scenario in sessions garbage slowloris inits; do
  count="${!scenario}"
  [ "$count" -gt 0 ] || continue
  start_host
  "$load" "$scenario" "$server_addr" "$server_pid" "$count"
  stop_host
done
