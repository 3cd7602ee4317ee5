"""A live encrypted session against the real `confide-node serve --dev` (the release binary cargo
built, $CONFIDE_NODE or $CARGO_TARGET_DIR/release/confide-node) over a real WebSocket: the ack
names our address, the answer streams in order, and the receipt is signed by the host key that
/v1/info published."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import confide
import pytest
from conftest import raises_code
from websockets.sync.client import connect

SCHEMES = [confide.SignatureScheme.EIP191, confide.SignatureScheme.SDK_TRANSCRIPT]


def server_binary() -> Path:
    if os.environ.get("CONFIDE_NODE"):
        return Path(os.environ["CONFIDE_NODE"])
    target = os.environ.get("CARGO_TARGET_DIR", str(Path.home() / ".cache" / "confide" / "target"))
    return Path(target) / "release" / "confide-node"


@pytest.fixture(scope="module")
def server():
    binary = server_binary()
    assert binary.exists(), f"{binary} is missing: cargo build --release -p confide-node-server"
    # Port 0: the kernel picks a free port; the startup line says which.
    process = subprocess.Popen(
        [str(binary), "serve", "--dev", "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        match = re.search(r"listening on (127\.0\.0\.1:\d+) ", line)
        assert match, f"unexpected first line: {line!r}"
        yield match.group(1)
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0


def info(address: str) -> dict:
    with urllib.request.urlopen(f"http://{address}/v1/info", timeout=10) as response:
        return json.load(response)


def converse(address: str, client: confide.ClientSession, host: dict, prompt: str) -> list:
    """Init, one prompt, every event until the end of the answer."""
    events = []
    with connect(f"ws://{address}/v1/ws", open_timeout=10) as socket:
        socket.send(client.init_message(confide.InitParams(
            session_id=str(uuid.uuid4()), job_id=0, chain_id=(host.get("chainIds") or [0])[0],
            model_name=host["models"][0]["id"], price_per_token=0)))
        while not events or not isinstance(events[-1], confide.ClientEvent.ACK):
            events.append(client.open(socket.recv(timeout=30)))
        socket.send(client.seal_request("p0", json.dumps({"prompt": prompt, "max_tokens": 12})))
        while not isinstance(events[-1], (confide.ClientEvent.END, confide.ClientEvent.ERROR)):
            events.append(client.open(socket.recv(timeout=60)))
    return events


@pytest.mark.parametrize("scheme", SCHEMES)
def test_an_encrypted_session_with_the_real_host(server, scheme):
    host = info(server)
    wallet = confide.SecretKey.generate()
    client = confide.ClientSession(host["publicKey"], wallet, scheme)
    started = time.monotonic()
    events = converse(server, client, host, "Tell me a story")
    kinds = [type(e).__name__.split(".")[-1] for e in events]
    assert kinds[0] == "CONNECTED" and kinds.count("ACK") == 1, kinds
    ack = next(e for e in events if isinstance(e, confide.ClientEvent.ACK))
    assert ack.client_address == wallet.address() == client.client_address()

    chunks = [e for e in events if isinstance(e, confide.ClientEvent.CHUNK)]
    assert chunks and [c.index for c in chunks] == list(range(len(chunks)))
    assert chunks[-1].last and not any(c.last for c in chunks[:-1])
    final, end = events[-2:]
    assert isinstance(final, confide.ClientEvent.FINAL) and final.finish_reason in ("stop", "length")
    assert isinstance(end, confide.ClientEvent.END) and end.verified, events
    receipt = confide.verify_message(end.receipt, int(time.time()))
    assert receipt.signer == host["address"] == confide.address_from_public_key(host["publicKey"])
    record = json.loads(receipt.payload_json)
    assert record["client_address"] == wallet.address()
    assert record["completion_tokens"] == end.usage.completion_tokens
    assert time.monotonic() - started < 60


def test_a_session_opened_with_another_host_key_cannot_talk_to_this_host(server):
    host = info(server)
    stranger = confide.SecretKey.generate().public_key()
    client = confide.ClientSession(stranger, confide.SecretKey.generate())
    with connect(f"ws://{server}/v1/ws", open_timeout=10) as socket:
        assert isinstance(client.open(socket.recv(timeout=10)), confide.ClientEvent.CONNECTED)
        socket.send(client.init_message(confide.InitParams(
            session_id="wrong-key", job_id=0, chain_id=(host.get("chainIds") or [0])[0],
            model_name=host["models"][0]["id"], price_per_token=0)))
        reply = client.open(socket.recv(timeout=10))
    # The host cannot decrypt an init made for another key: it says so in an error frame.
    assert isinstance(reply, confide.ClientEvent.ERROR) and reply.code == "DECRYPTION_FAILED"
    raises_code("INVALID_MESSAGE", client.open, json.dumps({"type": "session_init_ack"}))


def test_the_example_client_streams_an_answer(server):
    example = Path(__file__).resolve().parents[1] / "examples" / "client.py"
    run = subprocess.run([sys.executable, str(example), f"ws://{server}", "Hello"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() and "[receipt ✓]" in run.stderr
