"""A Confide client in Python: reads the host's /v1/info, opens an encrypted session over
WebSocket, sends one prompt, prints the decrypted answer as it streams and requires the host's
signed receipt. Exits non-zero on any failure.

    python client.py ws://127.0.0.1:8080 "Hello"     (needs: pip install confide websockets)
"""

import json
import sys
import urllib.request
import uuid

import confide
from websockets.sync.client import connect


def main(url: str, prompt: str) -> None:
    base = url.rstrip("/").removeprefix("ws://")
    with urllib.request.urlopen(f"http://{base}/v1/info", timeout=10) as response:
        info = json.load(response)
    session = confide.ClientSession(info["publicKey"], confide.SecretKey.generate())
    with connect(f"ws://{base}/v1/ws") as socket:
        socket.send(session.init_message(confide.InitParams(
            session_id=str(uuid.uuid4()), job_id=0, chain_id=(info.get("chainIds") or [0])[0],
            model_name=info["models"][0]["id"], price_per_token=0)))
        socket.send(session.seal_prompt("p0", prompt))
        while True:
            event = session.open(str(socket.recv(timeout=60)))
            if isinstance(event, confide.ClientEvent.CHUNK):
                print(event.text, end="", flush=True)
            elif isinstance(event, confide.ClientEvent.ERROR):
                sys.exit(f"host error {event.code}: {event.message}")
            elif isinstance(event, confide.ClientEvent.END):
                print(f"\n[receipt {'✓' if event.verified else 'missing'}]", file=sys.stderr)
                sys.exit(0 if event.verified else 1)


if __name__ == "__main__":
    main(*sys.argv[1:3])
