#!/usr/bin/env bash
# Builds the Confide static library, compiles the C example and the C tests against it with
# -Wall -Wextra -Werror, runs both under valgrind (any leak or memory error fails), and compares the
# example's output with expected_output.txt. Exits non-zero on any failure.
#
# Build output: the library in $CARGO_TARGET_DIR (default $HOME/.cache/confide/target, like
# scripts/test-all.sh), the C programs in $CARGO_TARGET_DIR/examples-c.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/confide/target}"
build_dir="$CARGO_TARGET_DIR/examples-c"

step() { printf '\n==> %s\n' "$*"; }

# Installs the Debian packages given whose command is missing (valgrind, gcc, make).
ensure_tools() {
  local missing=()
  command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
  command -v gcc >/dev/null 2>&1 || missing+=(gcc)
  command -v make >/dev/null 2>&1 || missing+=(make)
  if ((${#missing[@]})); then
    step "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

ensure_tools

step "cargo build --release -p confide-ffi (static library)"
(cd "$repo_root" && cargo build --release --locked -p confide-ffi)

step "compiling the C example and the C test (gcc -Wall -Wextra -Werror)"
make -C "$here" --no-print-directory BUILD_DIR="$build_dir" LIB_DIR="$CARGO_TARGET_DIR/release" \
  INCLUDE_DIR="$repo_root/include" all

valgrind_run() {
  valgrind --quiet --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
    --error-exitcode=1 "$@"
}

step "running the example under valgrind and comparing its output"
actual="$build_dir/confide_example.out"
valgrind_run "$build_dir/confide_example" >"$actual"
if ! diff -u "$here/expected_output.txt" "$actual"; then
  echo "examples/c: the example's output differs from examples/c/expected_output.txt" >&2
  exit 1
fi
echo "example output matches expected_output.txt"

step "running the C tests under valgrind"
valgrind_run "$build_dir/test_confide"
valgrind_run "$build_dir/test_warp"
