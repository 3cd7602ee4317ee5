#!/usr/bin/env bash
# Rebuilds the addon (release) into a scratch directory and checks that the committed, generated
# `index.js` and `index.d.ts` are what napi-rs generates from the current sources; fails with a
# clear message when they differ. The freshly built `.node` is then copied into the package, so
# this is also the build step of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
bash scripts/build.sh --output-dir "$scratch" >&2
stale=0
for file in index.js index.d.ts; do
  if ! diff -u "$file" "$scratch/$file" >"$scratch/$file.diff"; then
    echo "check-generated: bindings/napi/$file is stale (differs from what napi-rs generates):" >&2
    head -n 60 "$scratch/$file.diff" >&2
    stale=1
  fi
done
if [ "$stale" -ne 0 ]; then
  echo "check-generated: FAILED — run 'npm run build' in bindings/napi and commit index.js / index.d.ts." >&2
  exit 1
fi
cp "$scratch"/*.node .
echo "check-generated: index.js and index.d.ts are up to date"
