# Sourced by the scripts here: the pinned toolchain's locations and versions, one place.
# Cargo's target dir: $CARGO_TARGET_DIR, by default $HOME/.cache/confide/target.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/confide/target}"
# wasm-bindgen-cli must be the exact version of the `wasm-bindgen` crate (root Cargo.toml).
WASM_BINDGEN_VERSION=0.2.130
TOOLS_ROOT="${CONFIDE_TOOLS:-$HOME/.cache/confide/tools}/wasm-bindgen-$WASM_BINDGEN_VERSION"
export PATH="$TOOLS_ROOT/bin:$PATH"
# blst's C and assembly compiled for wasm32 by Debian's clang, archived by llvm-ar.
export CC_wasm32_unknown_unknown=clang AR_wasm32_unknown_unknown=llvm-ar
# The wasm-bindgen test runner drives Debian's headless Chromium through its chromedriver.
export CHROMEDRIVER=/usr/bin/chromedriver
WASM_OUT="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/confide_wasm.wasm"
