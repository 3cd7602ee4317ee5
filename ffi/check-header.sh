#!/usr/bin/env bash
# Verifies that the committed C header include/confide.h is what cbindgen generates from ffi/src
# (with ffi/cbindgen.toml and the pinned cbindgen below); fails with a clear message when it is
# stale. `ffi/check-header.sh --update` regenerates it instead.
#
# The pinned cbindgen is used from PATH when its version matches, otherwise installed once with
# `cargo install --locked` into $HOME/.cache/confide/tools (so a different global cbindgen is never
# replaced).
set -euo pipefail

CBINDGEN_VERSION="0.29.4"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
header="include/confide.h"
cd "$repo_root"

find_cbindgen() {
  if command -v cbindgen >/dev/null 2>&1 &&
    [[ "$(cbindgen --version)" == "cbindgen $CBINDGEN_VERSION" ]]; then
    command -v cbindgen
    return
  fi
  local root="${CONFIDE_TOOLS_DIR:-$HOME/.cache/confide/tools}/cbindgen-$CBINDGEN_VERSION"
  if [[ ! -x "$root/bin/cbindgen" ]]; then
    echo "installing cbindgen $CBINDGEN_VERSION into $root" >&2
    cargo install --locked --quiet cbindgen --version "$CBINDGEN_VERSION" --root "$root" >&2
  fi
  echo "$root/bin/cbindgen"
}

cbindgen="$(find_cbindgen)"
generated="$(mktemp)"
trap 'rm -f "$generated"' EXIT
"$cbindgen" --quiet --config ffi/cbindgen.toml --crate confide-ffi --output "$generated" ffi

if [[ "${1:-}" == "--update" ]]; then
  cp "$generated" "$header"
  echo "regenerated $header with cbindgen $CBINDGEN_VERSION"
  exit 0
fi

if ! diff -u "$header" "$generated" >&2; then
  echo "include/confide.h is stale: run ffi/check-header.sh --update (cbindgen $CBINDGEN_VERSION) and commit the result" >&2
  exit 1
fi
echo "include/confide.h is up to date (cbindgen $CBINDGEN_VERSION)"
