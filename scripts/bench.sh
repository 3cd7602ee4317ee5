#!/usr/bin/env bash
# Runs every benchmark side by side in one run (these machines are noisy: compare figures from the
# same run) and prints the figures the README quotes.
#   core:        criterion — primitives (our API vs raw k256 vs libsecp256k1), E2EE protocol, signed messages
#   node-server: host load on loopback — handshakes/s, encrypted vs plaintext tokens/s, slots, idle RSS
#   napi:        one client session (init + 10 prompts + 100 chunks) with @noble vs @confide/native
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/confide/target}"

printf '\n==> confide-core (criterion)\n'
cargo bench --locked -p confide-core 2>&1 | grep -E '^[a-zA-Z_0-9/.-]+ *$|time:|thrpt:|memory' || true
printf '\n==> confide-node-server host load\n'
cargo bench --locked -p confide-node-server --bench host 2>&1 | grep -vE '^\s+(Compiling|Finished|Running)'
printf '\n==> @confide/native vs @noble (Node.js)\n'
(cd bindings/napi && npm ci --no-audit --no-fund >/dev/null && bash scripts/build.sh >/dev/null && npm run --silent bench)
