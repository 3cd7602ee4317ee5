#!/usr/bin/env python3
"""The LLMFeed reference scripts' approach, timed on the same inputs as core/benches/feed.rs:
json.loads + json.dumps(separators=(',', ':'), ensure_ascii=False) of the signed blocks + Ed25519 verify
with `cryptography` (PyPI; OpenSSL underneath). Prints one line per measurement (median of 15 runs).

Usage: python3 scripts/feed-bench-python.py   (needs `pip install cryptography`)
"""
import base64
import json
import pathlib
import statistics
import time

from cryptography.hazmat.primitives.serialization import load_pem_public_key

ROOT = pathlib.Path(__file__).resolve().parent.parent
FEEDS = ROOT / "core/tests/vectors/llmfeed/llmfeed-spec/.well-known"


def median_seconds(fn, repeat):
    runs = []
    for _ in range(15):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        runs.append((time.perf_counter() - start) / repeat)
    return statistics.median(runs)


def main():
    key = load_pem_public_key((FEEDS / "public.pem").read_bytes())
    raw = (FEEDS / "exports/news-lite.llmfeed.json").read_bytes()

    def verify():
        feed = json.loads(raw)
        blocks = feed["trust"]["signed_blocks"]
        message = json.dumps({b: feed[b] for b in blocks}, separators=(",", ":"), ensure_ascii=False)
        key.verify(base64.b64decode(feed["signature"]["value"]), message.encode("utf-8"))

    verify()
    t = median_seconds(verify, 200)
    print(f"python verify 20 KiB feed ({len(raw)} B): {t * 1e6:.1f} us")
    t = median_seconds(lambda: json.loads(raw), 200)
    print(f"python json.loads 20 KiB: {t * 1e6:.1f} us")
    spec_raw = (FEEDS / "exports/spec.llmfeed.json").read_bytes()
    spec = json.loads(spec_raw)
    for name, kwargs in [
        ("mcp-canonical-json (document order, UTF-8)", dict(ensure_ascii=False)),
        ("llmfeed-v1 (sorted, UTF-8)", dict(ensure_ascii=False, sort_keys=True)),
        ("llmfeed-v1 (sorted, ASCII)", dict(sort_keys=True)),
    ]:
        t = median_seconds(lambda: json.dumps(spec, separators=(",", ":"), **kwargs).encode("utf-8"), 5)
        print(f"python canonicalize spec ({len(spec_raw)} B) {name}: {len(spec_raw) / t / 2**20:.1f} MiB/s")


if __name__ == "__main__":
    main()
