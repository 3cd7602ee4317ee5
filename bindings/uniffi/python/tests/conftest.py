"""Shared helpers of the confide test suite. The suite imports the *installed* package (the
wheel), never the source tree: scripts/test.sh runs it in a fresh venv."""

import json
import time
from pathlib import Path

import confide
import pytest

REPO = Path(__file__).resolve().parents[4]
VECTORS = REPO / "core" / "tests" / "vectors"


def now_ms() -> int:
    return int(time.time() * 1000)


def params(session_id: str = "s1", **extra) -> confide.InitParams:
    return confide.InitParams(
        session_id=session_id, job_id=42, chain_id=84532, model_name="demo", price_per_token=2000, **extra
    )


def frames(outputs) -> list:
    return [o.text for o in outputs if isinstance(o, confide.HostOutput.FRAME)]


def only_frame(outputs) -> str:
    found = frames(outputs)
    assert len(found) == 1, outputs
    return found[0]


def error_frame(outputs) -> dict:
    frame = json.loads(only_frame(outputs))
    assert frame["type"] == "error", frame
    return frame


def started(outputs) -> "confide.HostOutput.START":
    starts = [o for o in outputs if isinstance(o, confide.HostOutput.START)]
    assert len(starts) == 1, outputs
    return starts[0]


def raises_code(code: str, call, *args, **kwargs) -> "confide.ConfideError.Failure":
    with pytest.raises(confide.ConfideError) as caught:
        call(*args, **kwargs)
    assert isinstance(caught.value, confide.ConfideError.Failure)
    assert caught.value.code == code, caught.value
    assert caught.value.reason
    return caught.value


class Host:
    """A host engine with a fresh key and one connection."""

    def __init__(self, key=None, **endpoint_options):
        self.key = key or confide.SecretKey.generate()
        self.endpoint = confide.HostEndpoint(self.key, now_ms(), **endpoint_options)
        self.connection = confide.HostConnection(self.endpoint, now_ms())

    def send(self, frame: str):
        return self.connection.handle_frame(frame, now_ms())

    def answer(self, generation: int, pieces, prompt_tokens=3):
        """The frames of a whole answer: one text event per piece, then finished."""
        out = []
        for piece in pieces:
            out += self.connection.generation_text(generation, piece, 1, now_ms())
        out += self.connection.generation_finished(
            generation, confide.FinishReason.STOP, prompt_tokens, len(pieces), now_ms()
        )
        return frames(out)


class Pair:
    """A client session whose init the host accepted."""

    def __init__(self, scheme=confide.SignatureScheme.EIP191, wallet=None, host=None):
        self.host = host or Host()
        self.wallet = wallet or confide.SecretKey.generate()
        self.client = confide.ClientSession(self.host.endpoint.public_key(), self.wallet, scheme)
        ack = self.client.open(only_frame(self.host.send(self.client.init_message(params()))))
        assert ack == confide.ClientEvent.ACK(client_address=self.wallet.address())

    def prompt(self, request_id: str, text: str) -> "confide.HostOutput.START":
        return started(self.host.send(self.client.seal_prompt(request_id, text)))

    def exchange(self, request_id: str, pieces) -> list:
        """Prompt, answer with `pieces`, and open every frame of the answer."""
        start = self.prompt(request_id, "Hello")
        return [self.client.open(frame) for frame in self.host.answer(start.id, pieces)]
