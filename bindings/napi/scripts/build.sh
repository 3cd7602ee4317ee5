#!/usr/bin/env bash
# Builds the addon with the release profile and (re)generates the loader `index.js` and the types
# `index.d.ts` (napi-rs CLI). Cargo's target dir is $CARGO_TARGET_DIR, by default
# $HOME/.cache/confide/target (the CLI builds with an explicit --target, so artifacts land in
# <target dir>/<host triple>/release). Extra arguments go to `napi build` (e.g. --output-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-$HOME/.cache/confide/target}"
exec ./node_modules/.bin/napi build --platform --release --target-dir "$target_dir" \
  --js index.js --dts index.d.ts "$@"
