#!/usr/bin/env bash
# The UniFFI bindings' whole check, as one command (idempotent; installs what is missing):
#   1. the generated Swift/Kotlin/Python sources are fresh (regenerated and diffed);
#   2. the Python wheel is built from the library cargo built, installed into a fresh venv and
#      imported; mypy.stubtest checks its stubs, mypy --strict the example client; pytest runs
#      the suite (vectors, exchanges, every raised error code, Python wallet signers, signed
#      messages, feeds, Warp, a live session against `confide-node serve --dev`);
#   3. the Kotlin test program is compiled with kotlinc (npm `kotlin-compiler`) and run on the JVM
#      with JNA (Debian `libjna-java`), with its vectors (SDK session, a real feed, a Warp message)
#      written from core/tests/vectors.
# Ends with pytest's summary line and `kotlin: N passed, N failed`. Cargo's target dir is
# $CARGO_TARGET_DIR (default $HOME/.cache/confide/target); cargo only rebuilds what changed.
# Swift cannot be compiled on Linux here: its sources are only checked for freshness (step 1).
set -euo pipefail
crate="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$crate/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/confide/target}"
cd "$repo"
cache="$HOME/.cache/confide"
export PIP_CACHE_DIR="$cache/pip"
KOTLIN_VERSION=2.4.20
PYTHON_TEST_DEPS=(pytest==9.2.0 websockets==17.4 coincurve==21.0.0 mypy==2.4.1)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== prerequisites"
if [ ! -f /usr/share/java/jna.jar ] || ! command -v java >/dev/null; then
  apt-get update -qq && apt-get install -y -qq libjna-java default-jre-headless >/dev/null
fi
kotlin_home="$cache/kotlin/node_modules/kotlin-compiler"
if [ ! -x "$kotlin_home/bin/kotlinc" ]; then
  npm install --no-audit --no-fund --prefix "$cache/kotlin" "kotlin-compiler@$KOTLIN_VERSION" >/dev/null
fi
python3 -m venv --help >/dev/null

echo "== generated bindings are fresh (builds confide-uniffi and uniffi-bindgen, release)"
bash "$crate/scripts/check-generated.sh"
echo "== cargo build --release -p confide-node-server (for the live test)"
cargo build --release --locked -p confide-node-server
export CONFIDE_NODE="$CARGO_TARGET_DIR/release/confide-node"

echo "== Python: wheel, fresh venv, install, import"
wheel="$(bash "$crate/scripts/wheel.sh" "$work/dist")"
python3 -m venv "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install -q "$wheel" "${PYTHON_TEST_DEPS[@]}"
(cd "$work" && "$py" -c "import confide; print('imported', confide.__name__, 'from', confide.__file__)")
echo "== Python: mypy.stubtest (stubs match the package) and mypy --strict (example client)"
(cd "$work" && "$py" -m mypy.stubtest --mypy-config-file "$crate/python/mypy.ini" \
  --allowlist "$crate/python/stubtest-allowlist.txt" confide)
(cd "$work" && "$py" -m mypy --strict --config-file "$crate/python/mypy.ini" "$crate/python/examples/client.py")
echo "== Python: pytest"
set +e
(cd "$crate/python/tests" && "$work/venv/bin/pytest" -p no:cacheprovider -q 2>&1) | tee "$work/pytest.log"
pytest_status=${PIPESTATUS[0]}
set -e

echo "== Kotlin: kotlinc $KOTLIN_VERSION + JNA, run on the JVM"
classpath="/usr/share/java/jna.jar:$kotlin_home/lib/kotlinx-coroutines-core-jvm.jar"
sources=("$crate/generated/kotlin/org/confide/confide.kt" "$crate/kotlin/ConfideTest.kt")
stamp="$(cat "${sources[@]}" | sha256sum | cut -c1-16)-$KOTLIN_VERSION"
classes="$cache/uniffi-kotlin/$stamp"
if [ ! -f "$classes/ConfideTestKt.class" ]; then
  rm -rf "$cache/uniffi-kotlin" && mkdir -p "$classes"
  "$kotlin_home/bin/kotlinc" -nowarn -cp "$classpath" "${sources[@]}" -d "$classes"
fi
python3 - "$repo/core/tests/vectors" "$work/vectors" <<'PY'
import json, pathlib, sys
vectors = pathlib.Path(sys.argv[1])
v = json.loads((vectors / "fabstir/sdk_session_vectors.json").read_text())
out = pathlib.Path(sys.argv[2]); out.mkdir()
feed = vectors / "llmfeed/llmfeed-spec/.well-known"
(out / "feed.json").write_text((feed / "mcp-lite.llmfeed.json").read_text())
(out / "feed_key.pem").write_text((feed / "public.pem").read_text())
warp = json.loads((vectors / "warp/warp_derived_vectors.json").read_text())
(out / "warp_signed.hex").write_text(warp["signed_message_avalanchego_POP_keys0_2"]["hex"])
(out / "warp_validators.json").write_text(json.dumps([{"node_id": f"NodeID-{n}", "weight": w,
    "bls_public_key": k["pk_compressed_hex"]} for n, k, w in zip("ABC", warp["keys"], [40, 20, 40])]))
(out / "node_priv").write_text(v["inputs"]["node_priv"])
(out / "node_pub").write_text(v["inputs"]["node_pub_compressed"])
(out / "init.json").write_text(json.dumps({"type": "encrypted_session_init", "session_id": "sdk-session",
    "job_id": 42, "chain_id": 84532, "payload": v["session_init"]["payload"]}))
(out / "message_0.json").write_text(json.dumps({"type": "encrypted_message", "session_id": "sdk-session",
    "id": "m0", "payload": v["message_0"]["payload"]}))
PY
set +e
java -Djna.library.path="$CARGO_TARGET_DIR/release" -cp "$classes:$classpath:$kotlin_home/lib/kotlin-stdlib.jar" \
  ConfideTestKt "$work/vectors" | tee "$work/kotlin.log"
kotlin_status=${PIPESTATUS[0]}
set -e
if ! grep -q '^kotlin: [0-9]* passed, [0-9]* failed$' "$work/kotlin.log"; then
  echo "kotlin: 0 passed, 1 failed"
  kotlin_status=1
fi

echo "== summary"
tail -n 1 "$work/pytest.log"
grep '^kotlin: ' "$work/kotlin.log" || true
[ "$pytest_status" -eq 0 ] && [ "$kotlin_status" -eq 0 ]
