#!/usr/bin/env bash
# Builds the npm package's contents into pkg/: the crate for wasm32 with the size profile
# (`wasm-release`: opt-level "z", LTO, one codegen unit, panic = abort), wasm-bindgen's JS glue and
# .d.ts for the `web` target (bundlers and <script type="module">) and the `nodejs` target, then
# `wasm-opt -Oz` from the npm package `binaryen` (Debian's binaryen 108 breaks wasm-bindgen output).
# Needs the tools scripts/test.sh installs. Prints the .wasm size raw and gzipped.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

cargo build -p confide-wasm --target wasm32-unknown-unknown --profile wasm-release
# The features Rust's wasm32 target enables by default, and nothing beyond them.
features=(--enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-reference-types --enable-multivalue)
for target in web nodejs; do
  out="pkg/${target/nodejs/node}"
  rm -rf "$out"
  wasm-bindgen --target "$target" --out-dir "$out" "$WASM_OUT"
  ./node_modules/.bin/wasm-opt -Oz "${features[@]}" -o "$out/confide_wasm_bg.wasm" "$out/confide_wasm_bg.wasm"
done
# The nodejs glue is CommonJS, under a package whose "type" is "module".
echo '{ "type": "commonjs" }' >pkg/node/package.json
raw=$(stat -c %s pkg/web/confide_wasm_bg.wasm)
gz=$(gzip -9 -c pkg/web/confide_wasm_bg.wasm | wc -c)
echo "confide_wasm_bg.wasm: $raw bytes raw ($((raw / 1024)) KiB), $gz bytes gzipped ($((gz / 1024)) KiB)"
