#!/usr/bin/env bash
# Runs every Confide test suite, installing what is missing first. Idempotent; exits non-zero on the
# first failure. CI runs exactly this (via .ci/run).
#
# Build artefacts go to a cache outside the clone ($HOME/.cache/confide/target unless
# CARGO_TARGET_DIR is set), so repeated runs and fresh clones reuse earlier compilation. Everything
# is built in the release profile, the one the README's `cargo run --release` uses, so llama.cpp
# (~5 minutes of C++ on two cores) is compiled once per machine, never twice in a run.
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
  # cmake + clang/libclang: llama-cpp-sys-2 builds llama.cpp and generates its bindings.
  ensure_apt_packages build-essential pkg-config cmake clang libclang-dev curl
  command -v node >/dev/null 2>&1 || ensure_apt_packages nodejs npm
  rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
  rustup component list --installed | grep -q '^clippy' || rustup component add clippy
}

run_rust_checks() {
  step "cargo fmt --check"
  cargo fmt --all --check
  step "cargo clippy (all targets, warnings are errors)"
  cargo clippy --workspace --all-targets --release --locked -- -D warnings
  step "cargo test"
  cargo test --workspace --release --locked 2>&1 | tee -a "$TEST_LOG"
}

# The README's quick start, exactly as written: the host with the demo model, then a chat.
run_quick_start() {
  step "README quick start: cargo run --release -p confide-node-server -- serve --dev"
  local log
  log="$(mktemp)"
  cargo run --release --locked -p confide-node-server -- serve --dev >"$log" 2>&1 &
  local server=$!
  for _ in $(seq 1 600); do
    grep -q "listening on" "$log" && break
    kill -0 "$server" 2>/dev/null || { cat "$log"; echo "quick start: the host exited"; return 1; }
    sleep 0.5
  done
  grep -m1 "listening on" "$log"
  local chat
  chat="$(cargo run --release --locked -p confide-node-server -- chat ws://127.0.0.1:8080 --prompt "Hello" 2>&1 >/dev/null)"
  echo "$chat"
  kill -TERM "$server"
  wait "$server"
  if [[ "$chat" == *"receipt: signed by the host"* ]]; then
    echo "quick start: 1 passed, 0 failed" | tee -a "$TEST_LOG"
  else
    echo "quick start: 0 passed, 1 failed" | tee -a "$TEST_LOG"
    return 1
  fi
}

# The C ABI: the committed header is what cbindgen generates, and the C example and C test
# programs pass under valgrind with no leaks or errors.
run_c_checks() {
  step "include/confide.h is fresh"
  ffi/check-header.sh
  step "C example and C tests under valgrind"
  examples/c/run.sh 2>&1 | tee -a "$TEST_LOG"
}

# The Node.js package: npm ci, napi build, generated index.js/index.d.ts fresh, tsc, node --test
# (vectors, exchanges, every error code, end to end against the real host).
run_node_checks() {
  step "Node.js package @confide/native"
  bash bindings/napi/scripts/test.sh 2>&1 | tee -a "$TEST_LOG"
}

# UniFFI: generated Swift/Kotlin/Python fresh, the Python wheel in a fresh venv (stubtest, mypy,
# pytest incl. a live session against confide-node), the Kotlin program on the JVM.
run_uniffi_checks() {
  step "UniFFI bindings (Python wheel, Kotlin, Swift sources)"
  bash bindings/uniffi/scripts/test.sh 2>&1 | tee -a "$TEST_LOG"
}

# Warp across processes: ten confide-node validators on loopback, `warp aggregate` to 67 %, then
# with a garbage and a down validator, then short of the quorum.
run_warp_e2e() {
  step "Warp end to end: ten confide-node processes and warp aggregate"
  bash scripts/warp-e2e.sh 2>&1 | tee -a "$TEST_LOG"
}

# The browser package: wasm32 build (wasm-bindgen, wasm-opt -Oz, size check), node:test over the
# nodejs target against the real host, wasm-bindgen-test in headless Chromium, and Playwright driving
# examples/browser against `confide-node serve --dev`.
run_wasm_checks() {
  step "Browser package @confide/wasm and the browser page"
  bash bindings/wasm/scripts/test.sh 2>&1 | tee -a "$TEST_LOG"
}

# Scale-out with real programs: Redis and nginx (Debian), llama-cpp-python's server (a wheel built
# once and cached) and SmolLM2 (sha256-checked): two replicas sharing Redis behind nginx, the real
# OpenAI-compatible upstream, and SmolLM2 through the embedded engine.
run_scale_out_checks() {
  step "scale-out: replicas, Redis, nginx, llama-cpp-python, SmolLM2"
  bash scripts/scale-out-test.sh 2>&1 | tee -a "$TEST_LOG"
}

# One closing line over every suite: "Summary: N passed, N failed" (cargo's "test result:" lines,
# node's "# pass N" / "# fail N", pytest's "N passed in Ts" and the other suites' "N passed, N
# failed[, N skipped]"), with ", N skipped" when anything was skipped.
print_summary() {
  awk '/^test result:|passed, [0-9]+ failed|[0-9]+ passed in [0-9.]+s/ { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^skipped/) s += $i } }
       /^# pass [0-9]+$/ { p += $3 } /^# fail [0-9]+$/ { f += $3 }
       END { printf "\nSummary: %d passed, %d failed", p, f; if (s > 0) printf ", %d skipped", s; printf "\n" }' "$TEST_LOG"
}

# A short coverage-guided run of each fuzz target from its committed corpus (scripts/fuzz.sh in
# smoke mode; needs the nightly toolchain the machine ships). Each target that runs its time
# without a crash counts as one passed check; without nightly they are counted as skipped (never as
# passed).
run_fuzz_smoke() {
  step "fuzz smoke run: every target for ${FUZZ_SECONDS}s"
  if rustup toolchain list | grep -q '^nightly'; then
    ensure_cargo_tool cargo-fuzz cargo-fuzz 0.13.2
  fi
  FUZZ_SMOKE=1 bash scripts/fuzz.sh "$FUZZ_SECONDS" 2>&1 | tee -a "$TEST_LOG"
}

ensure_prerequisites
run_rust_checks
run_c_checks
run_node_checks
run_uniffi_checks
run_wasm_checks
run_quick_start
run_warp_e2e
run_scale_out_checks
run_fuzz_smoke
step "all suites passed"
print_summary
