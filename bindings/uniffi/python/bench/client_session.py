"""Benchmark: the client-side work of one E2EE session (init + 10 prompts sealed + 100 chunks
opened) with the `confide` package and with the same flow on coincurve + pycryptodome
(pystack_client.py), alternating in one run; medians per session. The host side (accepting the
init, opening the prompts, sealing the chunks) runs on confide's host engine between the timed
parts and is not counted. Before timing, the pure-Python client is proven correct against that
host: its init is accepted with its address, its prompts open there, the host's chunks open with
it, and it rejects a tampered or replayed chunk.

    python client_session.py [--rounds 7] [--sessions 10]
"""

import argparse
import statistics
import time
from importlib.metadata import version

import confide
from pystack_client import PyStackClientSession

PROMPTS, CHUNKS_PER_PROMPT = 10, 10
NOW = int(time.time())
host_key = confide.SecretKey.generate()
endpoint = confide.HostEndpoint(host_key, NOW * 1000, confide.HostLimits(frames_per_second=10_000))
wallet = confide.SecretKey.generate()
wallet_bytes = bytes.fromhex(wallet.to_hex()[2:])


class Confide:
    label = "confide (UniFFI)"

    def __init__(self):
        self.session = confide.ClientSession(endpoint.public_key(), wallet)

    def init(self, n):
        return self.session.init_message(confide.InitParams(
            session_id=f"bench-{n}", job_id=42, chain_id=84532, model_name="demo", price_per_token=2000, timestamp=NOW))

    def seal(self, request_id, prompt):
        return self.session.seal_prompt(request_id, prompt)

    def open(self, frame):
        return self.session.open(frame)


class PyStack:
    label = "coincurve + pycryptodome"

    def __init__(self):
        self.session = PyStackClientSession(endpoint.public_key(), wallet_bytes)

    def init(self, n):
        return self.session.init_message(f"bench-{n}", 42, 84532, "demo", 2000, NOW)

    def seal(self, request_id, prompt):
        return self.session.seal_prompt(request_id, prompt)

    def open(self, frame):
        return self.session.open(frame)


def host_frames(connection, prompt_frame):
    """The host's chunk frames answering `prompt_frame` (untimed)."""
    start = next(o for o in connection.handle_frame(prompt_frame, NOW * 1000) if isinstance(o, confide.HostOutput.START))
    outputs = []
    for i in range(CHUNKS_PER_PROMPT):
        outputs += connection.generation_text(start.id, f" tok{i}", 1, NOW * 1000)
    outputs += connection.generation_finished(start.id, confide.FinishReason.STOP, 3, CHUNKS_PER_PROMPT, NOW * 1000)
    return [o.text for o in outputs if isinstance(o, confide.HostOutput.FRAME) and '"encrypted_chunk"' in o.text]


def session(kind, n):
    """One session; returns the seconds spent in client code, split by phase."""
    client, connection = kind(), confide.HostConnection(endpoint, NOW * 1000)
    spent = {"init": 0.0, "seal": 0.0, "open": 0.0}
    t = time.perf_counter()
    init = client.init(n)
    spent["init"] += time.perf_counter() - t
    ack = next(o.text for o in connection.handle_frame(init, NOW * 1000) if isinstance(o, confide.HostOutput.FRAME))
    t = time.perf_counter()
    client.open(ack)
    spent["init"] += time.perf_counter() - t
    for p in range(PROMPTS):
        t = time.perf_counter()
        prompt = client.seal(f"p{p}", f"prompt number {p}")
        spent["seal"] += time.perf_counter() - t
        chunks = host_frames(connection, prompt)
        assert len(chunks) == CHUNKS_PER_PROMPT
        t = time.perf_counter()
        for frame in chunks:
            client.open(frame)
        spent["open"] += time.perf_counter() - t
    return spent


def prove_pystack_correct():
    client, connection = PyStack(), confide.HostConnection(endpoint, NOW * 1000)
    ack = [o.text for o in connection.handle_frame(client.init(0), NOW * 1000) if isinstance(o, confide.HostOutput.FRAME)]
    assert client.open(ack[0])["clientAddress"] == wallet.address()
    chunks = host_frames(connection, client.seal("p0", "Hello"))
    assert [client.open(f)["text"] for f in chunks[:2]] == [" tok0", " tok1"]
    for bad in (chunks[1], chunks[2].replace('"ciphertextHex":"', '"ciphertextHex":"00', 1)):
        try:
            client.open(bad)
        except ValueError:
            continue
        raise AssertionError("the Python-stack client accepted a replayed or tampered chunk")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--sessions", type=int, default=10)
    args = parser.parse_args()
    prove_pystack_correct()
    kinds = [Confide, PyStack]
    results = {k.label: [] for k in kinds}
    for _ in range(args.rounds):
        for kind in kinds:
            per = [session(kind, n) for n in range(args.sessions)]
            results[kind.label].append({phase: sum(s[phase] for s in per) / len(per) for phase in per[0]})
    medians = {label: {phase: statistics.median(r[phase] for r in rounds) for phase in rounds[0]}
               for label, rounds in results.items()}
    print(f"coincurve {version('coincurve')}, pycryptodome {version('pycryptodome')}; "
          f"medians of {args.rounds} rounds x {args.sessions} sessions")
    print("| | init | seal 10 prompts | open 100 chunks | whole session |")
    print("|---|---|---|---|---|")
    for label, m in medians.items():
        whole = sum(m.values())
        print(f"| {label} | {m['init'] * 1e6:.1f} µs | {m['seal'] * 1e6:.1f} µs | {m['open'] * 1e6:.1f} µs | {whole * 1e6:.1f} µs |")
    ours, theirs = medians[Confide.label], medians[PyStack.label]
    ratio = {phase: theirs[phase] / ours[phase] for phase in ours}
    whole = sum(theirs.values()) / sum(ours.values())
    print(f"| speed-up | {ratio['init']:.1f}x | {ratio['seal']:.1f}x | {ratio['open']:.1f}x | {whole:.1f}x |")


if __name__ == "__main__":
    main()
