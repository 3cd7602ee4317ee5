#!/usr/bin/env bash
# Builds the Python wheel of confide-uniffi into OUT_DIR and prints its path: the release library
# cargo built (built here if missing or stale) and the committed generated Python module, packed by
# python/build_wheel.py (standard library only). Linux; see docs/UNIFFI.md for other platforms.
set -euo pipefail
crate="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: wheel.sh OUT_DIR}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/confide/target}"
(cd "$crate" && cargo build --release --locked -p confide-uniffi -p confide-uniffi-bindgen) >&2
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$crate/../../Cargo.toml" | head -n 1)"
python3 "$crate/python/build_wheel.py" --library "$CARGO_TARGET_DIR/release/libconfide_uniffi.so" \
  --generated "$crate/generated/python" --version "$version" --out-dir "$out"
