#!/usr/bin/env bash
# Warp end to end across processes (WARP.md, issue 12): ten `confide-node serve` processes on
# loopback, each with its own BLS key from `confide-node keygen --bls`, and `confide-node warp
# aggregate` collecting their signatures to 67 %; the aggregate verifies with `warp verify`. Then
# one validator answers garbage and one is down (8 of 10 usable: the quorum is still reached, the
# culprits are never signers), and then four are unusable (6 of 10: exit 1, not enough signatures).
#
# Prints one "warp e2e <case>: 1 passed, 0 failed" line per case (counted by test-all's summary)
# and the wall time of each aggregation. Uses the release binary in $CARGO_TARGET_DIR.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/confide/target}"
cargo build --release --locked -q -p confide-node-server
node_bin="$CARGO_TARGET_DIR/release/confide-node"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "warp e2e $1: 0 passed, 1 failed"
  shift
  printf '%s\n' "$@" >&2
  exit 1
}
pass() { echo "warp e2e $1: 1 passed, 0 failed"; }

# Waits for the "listening on ADDR" line in log $1 and prints ADDR.
listening_address() {
  local log="$1"
  for _ in $(seq 1 200); do
    if grep -q "listening on" "$log"; then
      grep -m1 -o "listening on [0-9.:]*" "$log" | cut -d' ' -f3
      return
    fi
    sleep 0.1
  done
  cat "$log" >&2
  return 1
}

# Ten validators, weight 1 each: keys from keygen --bls, one host process each.
validator_count=10
declare -a urls public_keys
for i in $(seq 0 $((validator_count - 1))); do
  "$node_bin" keygen --bls >"$work/key-$i"
  private="$(sed -n 's/^bls_private_key=\(0x\)\{0,1\}//p' "$work/key-$i")"
  public_keys[i]="$(sed -n 's/^bls_public_key=//p' "$work/key-$i")"
  BLS_PRIVATE_KEY="0x$private" "$node_bin" serve --dev --listen 127.0.0.1:0 >"$work/node-$i.log" 2>&1 &
  pids+=("$!")
done
for i in $(seq 0 $((validator_count - 1))); do
  urls[i]="http://$(listening_address "$work/node-$i.log")"
done

# A validator that answers every request with 96 random bytes (not a signature of anything).
cat >"$work/garbage.py" <<'PY'
import http.server, os, sys
class Garbage(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = os.urandom(96)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Garbage)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
python3 "$work/garbage.py" >"$work/garbage.port" &
pids+=("$!")
for _ in $(seq 1 50); do [[ -s "$work/garbage.port" ]] && break; sleep 0.1; done
garbage_url="http://127.0.0.1:$(cat "$work/garbage.port")"
# A port nothing listens on: bind one, note it, let it go.
down_url="http://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

# Writes the validators file $1 with the URL of validator i replaced by the remaining arguments'
# "i=URL" pairs.
write_validators() {
  local file="$1"
  shift
  local -a url_of=("${urls[@]}")
  for replacement in "$@"; do url_of[${replacement%%=*}]="${replacement#*=}"; done
  {
    printf '['
    for i in $(seq 0 $((validator_count - 1))); do
      ((i)) && printf ','
      printf '{"node_id":"NodeID-%d","url":"%s","bls_public_key":"%s","weight":1}' \
        "$i" "${url_of[i]}" "${public_keys[i]}"
    done
    printf ']\n'
  } >"$file"
}

# An Avalanche unsigned message on network 1 from the zero chain (the nodes' defaults): codec 0,
# network id, source chain, payload length, payload "confide warp e2e".
payload_hex="$(printf 'confide warp e2e' | od -An -tx1 | tr -d ' \n')"
message="0x0000""00000001""$(printf '0%.0s' $(seq 1 64))""$(printf '%08x' $((${#payload_hex} / 2)))""$payload_hex"

# Runs warp aggregate against validators file $1; stdout/stderr to $2.out/$2.err, exit code echoed.
aggregate() {
  local started ended code=0
  started="$(date +%s%N)"
  "$node_bin" warp aggregate --message "$message" --validators "$1" --quorum 67/100 --timeout 5s \
    >"$2.out" 2>"$2.err" || code=$?
  ended="$(date +%s%N)"
  echo "warp e2e: $(basename "$2") aggregation took $(((ended - started) / 1000000)) ms (process start included)" >&2
  echo "$code"
}

# Field $2 of the aggregate JSON in file $1 (python3: every machine has it).
json_field() {
  python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(json.dumps(v) if isinstance(v,(list,dict)) else v)' "$1" "$2"
}

# 1. All ten honest: the quorum (7 of 10) is reached and the signed message verifies.
write_validators "$work/all.json"
code="$(aggregate "$work/all.json" "$work/all")"
[[ "$code" == 0 ]] || fail "ten honest validators reach 67%" "exit $code" "$(cat "$work/all.err")"
weight="$(json_field "$work/all.out" signed_weight)"
((weight >= 7 && weight <= 10)) || fail "ten honest validators reach 67%" "signed weight $weight"
signed="$(json_field "$work/all.out" signed_message)"
"$node_bin" warp verify --signed-message "$signed" --validators "$work/all.json" --network-id 1 \
  >"$work/verify.out" 2>&1 || fail "ten honest validators reach 67%" "warp verify refused: $(cat "$work/verify.out")"
# The same signed message does not verify on another network.
if "$node_bin" warp verify --signed-message "$signed" --validators "$work/all.json" --network-id 2 \
  >"$work/verify2.out" 2>&1; then
  fail "ten honest validators reach 67%" "a signed message verified on the wrong network"
fi
pass "ten honest validators reach 67% and the aggregate verifies"

# 2. Validator 0 answers garbage, validator 1 is down: 8 usable, 7 needed.
write_validators "$work/faulty.json" "0=$garbage_url" "1=$down_url"
code="$(aggregate "$work/faulty.json" "$work/faulty")"
[[ "$code" == 0 ]] || fail "garbage and down validators" "exit $code" "$(cat "$work/faulty.err")"
signers="$(json_field "$work/faulty.out" signers)"
excluded="$(json_field "$work/faulty.out" excluded)"
[[ "$signers" != *'"NodeID-0"'* && "$signers" != *'"NodeID-1"'* ]] ||
  fail "garbage and down validators" "a faulty validator is among the signers: $signers"
python3 - "$excluded" <<'PY' || fail "garbage and down validators" "excluded someone honest: $excluded"
import json, sys
assert all(e["node_id"] in ("NodeID-0", "NodeID-1") for e in json.loads(sys.argv[1]))
PY
signed="$(json_field "$work/faulty.out" signed_message)"
"$node_bin" warp verify --signed-message "$signed" --validators "$work/faulty.json" --network-id 1 \
  >/dev/null 2>&1 || fail "garbage and down validators" "the aggregate does not verify"
pass "one garbage and one down validator: quorum still reached, culprits excluded"

# 3. Four unusable (garbage, three down): 6 of 10 < 67 %, exit 1 with the shortfall named.
write_validators "$work/short.json" "0=$garbage_url" "1=$down_url" "2=$down_url" "3=$down_url"
code="$(aggregate "$work/short.json" "$work/short")"
[[ "$code" == 1 ]] || fail "four unusable validators" "exit $code, expected 1" "$(cat "$work/short.out" "$work/short.err")"
grep -q "not enough signatures" "$work/short.err" ||
  fail "four unusable validators" "$(cat "$work/short.err")"
pass "four unusable validators: not enough signatures, exit 1"
