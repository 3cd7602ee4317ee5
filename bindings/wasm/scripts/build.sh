#!/usr/bin/env bash
# Builds the npm package's contents into pkg/: the crate for wasm32 with the size profile
# (`wasm-release`: opt-level 3, LTO, one codegen unit, panic = abort; root Cargo.toml says why not "z"), wasm-bindgen's JS glue and
# .d.ts for the `web` target (bundlers and <script type="module">) and the `nodejs` target, then
# `wasm-opt -Oz` from the npm package `binaryen` (Debian's binaryen 108 breaks wasm-bindgen output).
# Both targets get the same .wasm, so it is optimised once (~50 s), and not again while wasm-bindgen's
# output is unchanged. Needs the tools scripts/test.sh installs. Prints the .wasm size raw and gzipped.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

cargo build -p confide-wasm --target wasm32-unknown-unknown --profile wasm-release
stage=pkg/.stage
rm -rf "$stage"
wasm-bindgen --target web --out-dir "$stage/web" "$WASM_OUT"
wasm-bindgen --target nodejs --out-dir "$stage/node" "$WASM_OUT"
cmp -s "$stage/web/confide_wasm_bg.wasm" "$stage/node/confide_wasm_bg.wasm" || {
  echo "wasm-bindgen made different modules for web and nodejs; optimise each" >&2
  exit 1
}
if ! cmp -s "$stage/web/confide_wasm_bg.wasm" pkg/.optimised-from.wasm || [ ! -f pkg/.optimised.wasm ]; then
  # The features Rust's wasm32 target enables by default, and nothing beyond them.
  ./node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-reference-types --enable-multivalue --enable-simd \
    -o pkg/.optimised.wasm "$stage/web/confide_wasm_bg.wasm"
  cp "$stage/web/confide_wasm_bg.wasm" pkg/.optimised-from.wasm
fi
for target in web node; do
  cp pkg/.optimised.wasm "$stage/$target/confide_wasm_bg.wasm"
  rm -rf "pkg/$target"
  mv "$stage/$target" "pkg/$target"
done
rmdir "$stage"
# The nodejs glue is CommonJS, under a package whose "type" is "module"; it require()s the crate's
# JS snippets (js/), which are ES modules (Node >= 20.19 loads them with require).
echo '{ "type": "commonjs" }' >pkg/node/package.json
echo '{ "type": "module" }' >pkg/node/snippets/package.json
raw=$(stat -c %s pkg/web/confide_wasm_bg.wasm)
gz=$(gzip -9 -c pkg/web/confide_wasm_bg.wasm | wc -c)
echo "confide_wasm_bg.wasm: $raw bytes raw ($((raw / 1024)) KiB), $gz bytes gzipped ($((gz / 1024)) KiB)"
