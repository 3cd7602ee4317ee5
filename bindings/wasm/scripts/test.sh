#!/usr/bin/env bash
# The browser package's whole check, as one command (idempotent; fast when caches are warm):
#   1. installs what is missing: the wasm32 target, wasm-bindgen-cli of the crate's exact version
#      (cached under $HOME/.cache/confide/tools), Debian's chromium + chromedriver, npm packages
#      (binaryen, playwright-core, the deployed SDK's @noble pins, ws);
#   2. builds the package (scripts/build.sh) and checks the .wasm size (≤ 300 KiB gzipped);
#   3. builds the host once (cargo build --release -p confide-node-server);
#   4. node:test over the `nodejs` build (SDK vectors, exchanges with the real host, every code);
#   5. wasm-bindgen-test in headless Chromium (tests/browser.rs);
#   6. Playwright drives examples/browser/ against a running `confide-node serve --dev`.
# Cargo's target dir: $CARGO_TARGET_DIR (default $HOME/.cache/confide/target). The screenshot goes to
# $TEST_OUTPUT/wasm (default $HOME/.cache/confide/test-output/wasm).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
output="${TEST_OUTPUT:-$HOME/.cache/confide/test-output}/wasm"
max_gzip_kib=300

echo "== toolchain"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  # Without --locked: the registry reachable here lacks one version its lock file pins (~7 min).
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$TOOLS_ROOT"
fi
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
wasm-bindgen --version

echo "== build"
bash scripts/build.sh | tee "$CARGO_TARGET_DIR/confide-wasm-size.txt"
gz=$(gzip -9 -c pkg/web/confide_wasm_bg.wasm | wc -c)
if [ "$gz" -gt $((max_gzip_kib * 1024)) ]; then
  echo "FAIL: the .wasm is $gz bytes gzipped, over $max_gzip_kib KiB" >&2
  exit 1
fi
echo "size: $((gz / 1024)) KiB gzipped ≤ $max_gzip_kib KiB ✓"
echo "tsc: the generated .d.ts and test/types.ts"
npx --no-install tsc --noEmit --strict --target es2022 --module es2022 --moduleResolution bundler --lib esnext,dom \
  pkg/web/confide_wasm.d.ts pkg/node/confide_wasm.d.ts test/types.ts

echo "== host (cargo build --release -p confide-node-server)"
cargo build --release -p confide-node-server

echo "== node --test (nodejs target)"
node --test test/*.test.mjs

echo "== wasm-bindgen-test (headless Chromium)"
log="$CARGO_TARGET_DIR/confide-wasm-bindgen-test.log"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --release --target wasm32-unknown-unknown -p confide-wasm --test browser 2>&1 | tee "$log"
result=$(grep -E '^test result: ' "$log" | tail -1)
passed=$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$result")
failed=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$result")
echo "wasm-bindgen-test: ${passed:-0} passed, ${failed:-?} failed"
[ -n "$result" ] && [ "$failed" = 0 ] && [ "${passed:-0}" -gt 0 ]

echo "== browser page (Playwright, headless Chromium, confide-node serve --dev)"
host_log="$output/confide-node.log"
mkdir -p "$output"
"$CARGO_TARGET_DIR/release/confide-node" serve --dev --listen 127.0.0.1:0 >"$host_log" 2>&1 &
host_pid=$!
trap 'kill "$host_pid" 2>/dev/null || true' EXIT
address=""
for _ in $(seq 100); do
  address=$(grep -oP 'listening on \K127\.0\.0\.1:[0-9]+' "$host_log" || true)
  [ -n "$address" ] && break
  sleep 0.1
done
[ -n "$address" ] || { cat "$host_log" >&2; exit 1; }
node browser/page.test.mjs "$address" "$output"
