#!/usr/bin/env bash
# Fails when the committed generated sources (bindings/uniffi/generated) differ from what the
# current library generates: regenerates into a temporary directory and diffs.
set -euo pipefail
crate="$(cd "$(dirname "$0")/.." && pwd)"
fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT
bash "$crate/scripts/generate.sh" "$fresh/generated"
if ! diff -r "$crate/generated" "$fresh/generated" >"$fresh/diff"; then
  head -n 40 "$fresh/diff"
  echo "bindings/uniffi/generated is stale: run bindings/uniffi/scripts/generate.sh and commit it" >&2
  exit 1
fi
echo "generated bindings are fresh (swift, kotlin, python)"
