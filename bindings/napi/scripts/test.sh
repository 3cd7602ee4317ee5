#!/usr/bin/env bash
# The Node.js package's whole check, as one command: npm ci (from package-lock.json), release build
# with napi-rs + check that the committed index.js / index.d.ts are fresh, `tsc --noEmit` of the
# TypeScript surface, then `node --test` (unit, vector, error-code and end-to-end tests; the
# end-to-end test runs the real confide-node, built here first if missing). Cargo's target dir is
# $CARGO_TARGET_DIR, by default $HOME/.cache/confide/target.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/confide/target}"

echo "== npm ci"
npm ci --no-audit --no-fund
echo "== napi build (release) + check-generated"
bash scripts/check-generated.sh
echo "== tsc --noEmit"
npx --no-install tsc --noEmit -p .
if [ ! -x "$CARGO_TARGET_DIR/release/confide-node" ]; then
  echo "== cargo build --release -p confide-node-server (for the end-to-end test)"
  cargo build --release -p confide-node-server
fi
echo "== node --test"
node --test test/*.test.mjs
