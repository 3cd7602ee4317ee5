#!/usr/bin/env bash
# Generates the Swift (+ C header and modulemap), Kotlin and Python sources of confide-uniffi into
# OUT_DIR (default: bindings/uniffi/generated, where they are committed) from the library cargo
# built, with the workspace's own uniffi-bindgen. Builds both (release) first; a no-op when fresh.
# Output does not depend on installed formatters (--no-format).
set -euo pipefail
crate="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$crate/generated}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/confide/target}"
(cd "$crate" && cargo build --release --locked -p confide-uniffi -p confide-uniffi-bindgen) >&2
library="$CARGO_TARGET_DIR/release/libconfide_uniffi.so"
rm -rf "$out"
for language in swift kotlin python; do
  "$CARGO_TARGET_DIR/release/uniffi-bindgen" generate --no-format --config "$crate/bindgen.toml" \
    --language "$language" --out-dir "$out/$language" "$library" >/dev/null
done
