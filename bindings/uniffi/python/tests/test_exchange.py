"""Whole client ↔ host exchanges through the host engine API, with both signature schemes, the
async calls, the authorizer, and the receipt checked again with verify_message."""

import asyncio
import json
import time

import confide
import pytest
from conftest import Host, Pair, error_frame, frames, now_ms, only_frame, params, started

SCHEMES = [confide.SignatureScheme.EIP191, confide.SignatureScheme.SDK_TRANSCRIPT]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_full_exchange_streams_the_answer_and_a_verified_receipt(scheme):
    pair = Pair(scheme)
    assert pair.client.scheme() == scheme
    assert pair.client.client_address() == pair.wallet.address()
    greeting = pair.client.open(pair.host.connection.greeting())
    assert isinstance(greeting, confide.ClientEvent.CONNECTED) and greeting.encryption

    events = pair.exchange("m1", ["Hel", "lo ", "wörld"])
    chunks = [e for e in events if isinstance(e, confide.ClientEvent.CHUNK)]
    assert [(c.index, c.text, c.last) for c in chunks] == [(0, "Hel", False), (1, "lo ", False), (2, "wörld", True)]
    assert all(c.id == "m1" for c in chunks)
    final, end = events[-2:]
    assert final == confide.ClientEvent.FINAL(id="m1", finish_reason="stop")
    assert isinstance(end, confide.ClientEvent.END) and end.is_end()
    assert end.verified and end.finish_reason == "stop"
    assert end.usage == confide.Usage(
        prompt_tokens=3, completion_tokens=3, total_tokens=6, context_window_size=None
    )

    # The receipt is evidence anyone can check: signed by the host for this client and answer.
    verified = confide.verify_message(end.receipt, now_ms() // 1000)
    assert verified.signer == pair.host.endpoint.address()
    assert verified.bound and verified.scheme == confide.MessageScheme.CONFIDE_V1
    record = json.loads(verified.payload_json)
    assert record["client_address"] == pair.wallet.address()
    assert (record["prompt_tokens"], record["completion_tokens"]) == (3, 3)

    # A second prompt in the same session.
    events = pair.exchange("m2", ["again"])
    assert [type(e) for e in events] == [confide.ClientEvent.CHUNK, confide.ClientEvent.FINAL, confide.ClientEvent.END]


def test_the_start_output_carries_the_request():
    pair = Pair()
    start = started(pair.host.send(pair.client.seal_request("r1", json.dumps(
        {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 7, "model": "demo"}))))
    assert (start.session_id, start.request_id, start.model, start.encrypted) == ("s1", "r1", "demo", True)
    request = json.loads(start.request_json)
    assert request["messages"] == [{"role": "user", "content": "Hi"}] and request["max_tokens"] == 7


def test_a_failed_generation_reaches_the_client_as_an_error_event():
    pair = Pair()
    start = pair.prompt("m1", "Hello")
    outputs = pair.host.connection.generation_failed(start.id, "INFERENCE_FAILED", "the model crashed", now_ms())
    assert error_frame(outputs)["code"] == "INFERENCE_FAILED"
    event = pair.client.open(only_frame(outputs))
    assert event == confide.ClientEvent.ERROR(
        id="m1", code="INFERENCE_FAILED", message="the model crashed", token_limit=None
    )


def test_close_cancels_running_generations_and_forgets_sessions():
    pair = Pair()
    start = pair.prompt("m1", "Hello")
    assert pair.host.connection.session_count() == 1
    assert pair.host.connection.close() == [confide.HostOutput.CANCEL(id=start.id)]
    assert pair.host.connection.session_count() == 0
    assert pair.host.connection.generation_text(start.id, "late", 1, now_ms()) == []


def test_async_calls_give_the_same_results():
    async def run():
        host = Host()
        wallet = confide.SecretKey.generate()
        client = confide.ClientSession(host.endpoint.public_key(), wallet)
        init = await client.init_message_async(params())
        ack = only_frame(await host.connection.handle_frame_async(init, now_ms()))
        assert client.open(ack) == confide.ClientEvent.ACK(client_address=wallet.address())
        start = started(await host.connection.handle_frame_async(client.seal_prompt("m1", "Hi"), now_ms()))
        end = [client.open(f) for f in host.answer(start.id, ["ok"])][-1]
        verified = await confide.verify_message_async(end.receipt, now_ms() // 1000)
        assert verified.signer == host.endpoint.address()
        # Inits of many sessions at once, each on its own worker thread.
        clients = [confide.ClientSession(host.endpoint.public_key(), wallet) for _ in range(8)]
        inits = await asyncio.gather(*(c.init_message_async(params(f"s{i}")) for i, c in enumerate(clients)))
        assert [json.loads(init)["session_id"] for init in inits] == [f"s{i}" for i in range(8)]

    asyncio.run(run())
    # A worker counts until it is back from waking its future, and the future can resolve just
    # before that: every worker is back moments later, none stays.
    deadline = time.monotonic() + 5
    while confide.workers_in_flight() and time.monotonic() < deadline:
        time.sleep(0.001)
    assert confide.workers_in_flight() == 0


def test_a_session_in_use_by_an_async_init_is_busy():
    async def run():
        host = Host()
        client = confide.ClientSession(host.endpoint.public_key(), confide.SecretKey.generate())
        results = await asyncio.gather(
            client.init_message_async(params("a")), client.init_message_async(params("b")),
            return_exceptions=True)
        return results

    results = asyncio.run(run())
    # Both may succeed one after the other; any that overlapped failed as busy, never corrupted.
    for result in results:
        if isinstance(result, confide.ConfideError.Failure):
            assert result.code == "INVALID_ARGUMENT" and "busy" in result.reason
        else:
            assert json.loads(result)["type"] == "encrypted_session_init"


class Registry(confide.HostAuthorizer):
    def __init__(self, allowed):
        self.allowed = allowed
        self.asked = []

    def allows(self, client_address):
        self.asked.append(client_address)
        return client_address in self.allowed


class Broken(confide.HostAuthorizer):
    def allows(self, client_address):
        raise RuntimeError("registry down")


def test_the_authorizer_decides_who_may_open_a_session():
    allowed = confide.SecretKey.generate()
    registry = Registry({allowed.address()})
    host = Host(authorizer=registry)
    Pair(wallet=allowed, host=host)
    stranger = confide.ClientSession(host.endpoint.public_key(), confide.SecretKey.generate())
    refusal = error_frame(host.send(stranger.init_message(params("s2"))))
    assert refusal["code"] == "UNAUTHORIZED"
    assert len(registry.asked) == 2 and registry.asked[0] == allowed.address()


def test_an_authorizer_that_raises_refuses():
    host = Host(authorizer=Broken())
    client = confide.ClientSession(host.endpoint.public_key(), confide.SecretKey.generate())
    assert error_frame(host.send(client.init_message(params())))["code"] == "UNAUTHORIZED"


def test_policy_and_limits_reach_the_engine():
    host = Host(policy=confide.HostPolicy(require_signed_requests=True), limits=confide.HostLimits(max_sessions_per_connection=1), version="9.9")
    assert json.loads(host.connection.greeting())["version"] == "9.9"
    pair = Pair(host=host)
    assert error_frame(host.send(pair.client.seal_prompt("m1", "Hi")))["code"] == "UNSIGNED_MESSAGE"
    other = confide.ClientSession(host.endpoint.public_key(), confide.SecretKey.generate())
    assert error_frame(host.send(other.init_message(params("s2"))))["code"] == "TOO_MANY_SESSIONS"


def test_binary_frames_that_are_not_utf8_are_invalid_message():
    host = Host()
    assert error_frame(host.connection.handle_binary(b"\xff\xfe", now_ms()))["code"] == "INVALID_MESSAGE"
