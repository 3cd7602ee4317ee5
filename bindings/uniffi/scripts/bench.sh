#!/usr/bin/env bash
# The Python client-session benchmark (python/bench/client_session.py): the `confide` wheel next to
# the same flow on coincurve + pycryptodome, in one run, in a fresh venv. Arguments go to the
# benchmark (--rounds N --sessions N). Timing only: nothing here passes or fails on speed.
set -euo pipefail
crate="$(cd "$(dirname "$0")/.." && pwd)"
export PIP_CACHE_DIR="$HOME/.cache/confide/pip"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
wheel="$(bash "$crate/scripts/wheel.sh" "$work/dist")"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$wheel" coincurve==21.0.0 pycryptodome==4.4.0
cd "$crate/python/bench" && "$work/venv/bin/python" client_session.py "$@"
