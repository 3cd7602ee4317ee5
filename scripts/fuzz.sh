#!/usr/bin/env bash
# Runs every fuzz target of core/fuzz for SECONDS each (default 3600) from its committed corpus,
# then minimizes the corpus (`cargo fuzz cmin`) so it can be committed again.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# With TARGET names only those targets run (two runs of the script with different targets can go
# side by side, one per core).
#
# With FUZZ_SMOKE=1 (what scripts/test-all.sh sets) new inputs go to a temporary directory and the
# committed corpus is only read, and nothing is minimized: a short check that leaves the tree clean.
#
# Prints one line per target: "fuzz TARGET: 1 passed, 0 failed" or "fuzz TARGET: 0 passed,
# 1 failed" followed by the crash artifact's path, plus the run's exec count. Without a nightly
# toolchain (or cargo-fuzz) it prints "fuzz: 0 passed, 0 failed, N skipped" and exits 0 — a
# skipped run is never reported as passed. Exits 1 when any target failed.
#
# Pure-Rust targets run without a sanitizer (the core forbids unsafe code; ~5x the executions);
# the Warp targets reach blst (C and assembly) and run under AddressSanitizer. The structured
# targets (their input is a list of actions) get long inputs from the start.
set -uo pipefail

seconds="${1:-3600}"
targets=(host_engine client_frame host_frame session_data signed_envelope feed warp_codec warp_lp118)
if [ "$#" -gt 1 ]; then
  shift
  for wanted in "$@"; do
    case " ${targets[*]} " in
      *" $wanted "*) ;;
      *) echo "fuzz: unknown target $wanted (known: ${targets[*]})" >&2 && exit 64 ;;
    esac
  done
  targets=("$@")
fi

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root/core"

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly' || ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: no nightly toolchain with cargo-fuzz on this machine" >&2
  echo "fuzz: 0 passed, 0 failed, ${#targets[@]} skipped"
  exit 0
fi

sanitizer_of() {
  case "$1" in
    warp_*) echo address ;;
    *) echo none ;;
  esac
}

options_of() {
  case "$1" in
    host_engine | client_frame) echo "-len_control=0 -max_len=4096" ;;
    *) echo "" ;;
  esac
}

smoke="${FUZZ_SMOKE:-0}"
failed=0
log="$(mktemp)"
scratch="$(mktemp -d)"
trap 'rm -rf "$log" "$scratch"' EXIT
for target in "${targets[@]}"; do
  sanitizer="$(sanitizer_of "$target")"
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  # libFuzzer writes new inputs into the first directory given.
  corpora=("$corpus")
  [ "$smoke" = 1 ] && corpora=("$scratch/$target" "$corpus") && mkdir -p "$scratch/$target"
  # shellcheck disable=SC2046 # the options are separate words
  cargo +nightly fuzz run -s "$sanitizer" "$target" "${corpora[@]}" -- \
    -max_total_time="$seconds" -timeout=30 -print_final_stats=1 $(options_of "$target") >"$log" 2>&1
  status=$?
  runs="$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log" | tail -n 1)"
  if [ "$status" -eq 0 ]; then
    echo "fuzz $target: 1 passed, 0 failed"
    echo "  $target: ${runs:-no run count} (sanitizer: $sanitizer)"
    [ "$smoke" = 1 ] && continue
    if ! cargo +nightly fuzz cmin -s "$sanitizer" "$target" "$corpus" >"$log" 2>&1; then
      echo "  $target: corpus minimization failed:" >&2
      tail -n 5 "$log" >&2
    fi
    echo "  $target: corpus $(find "$corpus" -type f | wc -l) files after cmin"
  else
    failed=$((failed + 1))
    artifact="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)"
    echo "fuzz $target: 0 passed, 1 failed"
    echo "  $target: crash artifact ${artifact:-none written}; what failed:"
    { grep -A 6 -m 1 -E 'panicked at|ERROR: libFuzzer|Sanitizer' "$log" || tail -n 25 "$log"; } | sed 's/^/    /'
  fi
done
[ "$failed" -eq 0 ]
