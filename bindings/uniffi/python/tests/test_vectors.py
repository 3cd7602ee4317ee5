"""The deployed TypeScript SDK's session vectors (core/tests/vectors/fabstir): the host engine
accepts the SDK's init, recovers the SDK client's true address and starts its first message."""

import json

import confide
import pytest
from conftest import VECTORS, Host, error_frame, now_ms, only_frame, started

V = json.loads((VECTORS / "fabstir" / "sdk_session_vectors.json").read_text())
INPUTS = V["inputs"]
INIT = json.dumps(
    {"type": "encrypted_session_init", "session_id": "sdk-session", "job_id": 42, "chain_id": 84532,
     "payload": V["session_init"]["payload"]}
)
MESSAGE_0 = json.dumps(
    {"type": "encrypted_message", "session_id": "sdk-session", "id": "m0", "payload": V["message_0"]["payload"]}
)


@pytest.fixture
def host() -> Host:
    return Host(key=confide.SecretKey.from_hex(INPUTS["node_priv"]))


def test_keys_reproduce_the_vector_keys_and_addresses():
    node = confide.SecretKey.from_hex(INPUTS["node_priv"])
    client = confide.SecretKey.from_hex("0x" + INPUTS["client_priv"])
    assert node.public_key() == INPUTS["node_pub_compressed"]
    assert client.public_key() == INPUTS["client_pub_compressed"]
    assert node.address().lower() == INPUTS["node_address"]
    assert client.address().lower() == INPUTS["client_address"]
    assert confide.address_from_public_key(INPUTS["client_pub_compressed"]) == client.address()
    assert client.to_hex() == "0x" + INPUTS["client_priv"].lower()


def test_the_host_accepts_the_sdk_init_and_recovers_the_true_client_address(host):
    assert host.endpoint.public_key() == INPUTS["node_pub_compressed"]
    ack = json.loads(only_frame(host.send(INIT)))
    assert ack["type"] == "session_init_ack"
    assert ack["client_address"] == V["session_init"]["true_client_address"]
    assert ack["client_address"] == "0x1563915e194D8CfBA1943570603F7606A3115508"
    assert ack["client_address"].lower() != V["session_init"]["wrong_address_if_recovered_from_sha256_ciphertext"]
    assert (ack["session_id"], ack["job_id"], ack["encrypted"]) == ("sdk-session", 42, True)
    assert host.endpoint.encrypted_sessions() == 1


def test_message_0_starts_a_generation_of_the_sdk_prompt(host):
    only_frame(host.connection.handle_binary(INIT.encode(), now_ms()))  # bytes, as a socket gives them
    start = started(host.send(MESSAGE_0))
    expected = json.loads(V["message_0"]["plaintext"])
    request = json.loads(start.request_json)
    assert (start.session_id, start.request_id, start.encrypted) == ("sdk-session", "m0", True)
    assert start.model == expected["model"]
    assert request["prompt"] == expected["prompt"]
    assert request["max_tokens"] == expected["max_tokens"]


def test_the_sdk_init_replayed_on_any_connection_is_replay_detected(host):
    only_frame(host.send(INIT))
    assert error_frame(host.send(INIT))["code"] == "REPLAY_DETECTED"
    other = confide.HostConnection(host.endpoint, now_ms())
    assert error_frame(other.handle_frame(INIT, now_ms()))["code"] == "REPLAY_DETECTED"
