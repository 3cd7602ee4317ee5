#!/usr/bin/env bash
# Runs every Confide test suite, installing what is missing first. Idempotent; exits non-zero on the
# first failure. CI runs exactly this (via .ci/run).
#
# Build artefacts go to a cache outside the clone ($HOME/.cache/confide/target unless
# CARGO_TARGET_DIR is set), so repeated runs and fresh clones reuse earlier compilation.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/confide/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
TEST_LOG="$(mktemp)"
trap 'rm -f "$TEST_LOG"' EXIT

step() { printf '\n==> %s\n' "$*"; }

# Installs the Debian packages given that are not installed yet.
ensure_apt_packages() {
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if ((${#missing[@]})); then
    step "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

# Installs a cargo subcommand from crates.io when it is missing.
ensure_cargo_tool() {
  local binary="$1" crate="$2" version="$3"
  command -v "$binary" >/dev/null 2>&1 || cargo install --locked "$crate" --version "$version"
}

ensure_prerequisites() {
  ensure_apt_packages build-essential pkg-config
  rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
  rustup component list --installed | grep -q '^clippy' || rustup component add clippy
}

run_rust_checks() {
  step "cargo fmt --check"
  cargo fmt --all --check
  step "cargo clippy (all targets, warnings are errors)"
  cargo clippy --workspace --all-targets --locked -- -D warnings
  step "cargo test"
  cargo test --workspace --locked 2>&1 | tee "$TEST_LOG"
}

# One closing line over every cargo test binary: "Summary: N passed, N failed".
print_summary() {
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
       END { printf "\nSummary: %d passed, %d failed\n", p, f }' "$TEST_LOG"
}

# A short coverage-guided run of each fuzz target (needs the nightly toolchain the machine ships).
run_fuzz_smoke() {
  if ! rustup toolchain list | grep -q '^nightly'; then
    step "fuzz smoke run: SKIPPED (no nightly toolchain on this machine; see README)"
    return
  fi
  ensure_cargo_tool cargo-fuzz cargo-fuzz 0.13.2
  for target in host_frame client_frame; do
    step "cargo fuzz run $target for ${FUZZ_SECONDS}s"
    (cd core && cargo +nightly fuzz run "$target" -- -max_total_time="$FUZZ_SECONDS" 2>&1 | tail -n 3)
  done
}

ensure_prerequisites
run_rust_checks
run_fuzz_smoke
step "all suites passed"
print_summary
