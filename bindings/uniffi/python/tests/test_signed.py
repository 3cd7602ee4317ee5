"""Signed messages: envelopes by a key, both schemes, Lloom's published vectors, policies, and the
replay guard of a Verifier."""

import asyncio
import json

import confide
from conftest import VECTORS, raises_code

LLOOM = json.loads((VECTORS / "lloom" / "lloom_signing_vectors.json").read_text())
T = 1_700_000_000


def test_confide_v1_round_trip_binds_timestamp_nonce_and_signer():
    key = confide.SecretKey.generate()
    envelope = confide.sign_message('{"prompt":"Hi"}', key, T, nonce=2**64 - 1)
    fields = json.loads(envelope)
    assert (fields["signer"], fields["timestamp"], fields["scheme"]) == (key.address(), T, "confide-v1")
    assert f'"nonce":{2**64 - 1}' in envelope  # a u64 nonce survives exactly
    verified = confide.verify_message(envelope, T + 10)
    assert verified == confide.Verified(
        signer=key.address(), bound=True, scheme=confide.MessageScheme.CONFIDE_V1, warnings=[],
        payload_json='{"prompt":"Hi"}')
    # Changing any bound field breaks the signature: it recovers another signer.
    for edited in [envelope.replace(f'"timestamp":{T}', f'"timestamp":{T + 1}'),
                   envelope.replace('"prompt":"Hi"', '"prompt":"Ho"')]:
        raises_code("INVALID_SIGNER", confide.verify_message, edited, T + 10)


def test_lloom_v1_reproduces_the_published_vectors():
    key = confide.SecretKey.from_hex(LLOOM["private_key"])
    assert key.address() == LLOOM["address"]
    for case in LLOOM["cases"]:
        envelope = confide.sign_message(case["payload_json"], key, T, scheme=confide.MessageScheme.LLOOM_V1)
        assert json.loads(envelope)["signature"] == case["signature"]
        assert "scheme" not in json.loads(envelope)
        verified = confide.verify_message(envelope, T)
        assert verified.signer == LLOOM["address"] and not verified.bound
        assert verified.warnings == [confide.VerifyWarning.UNBOUND_METADATA]
        assert verified.payload_json == case["payload_json"]


def test_policies():
    key = confide.SecretKey.generate()
    envelope = confide.sign_message("{}", key, T)
    raises_code("MESSAGE_EXPIRED", confide.verify_message, envelope, T + 301)
    assert confide.verify_message(envelope, T + 301, confide.VerifyPolicy(max_age_secs=600)).signer
    raises_code("MESSAGE_FROM_FUTURE", confide.verify_message, envelope, T - 301)
    lloom = confide.sign_message("{}", key, T, scheme=confide.MessageScheme.LLOOM_V1)
    raises_code("UNSUPPORTED_SCHEME", confide.verify_message, lloom, T, confide.VerifyPolicy(require_bound_scheme=True))
    unsigned = json.dumps({"payload": {}, "timestamp": T})
    raises_code("UNSIGNED_MESSAGE", confide.verify_message, unsigned, T)
    lax = confide.verify_message(unsigned, T, confide.VerifyPolicy(require_signatures=False))
    assert lax.signer is None and lax.warnings == [confide.VerifyWarning.UNSIGNED]


def test_a_verifier_rejects_replays_and_fails_closed_when_full():
    key = confide.SecretKey.generate()
    verifier = confide.Verifier(capacity=1)
    first = confide.sign_message("{}", key, T, nonce=1)
    assert verifier.verify(first, T).signer == key.address()
    raises_code("REPLAY_DETECTED", verifier.verify, first, T)
    raises_code("RATE_LIMITED", verifier.verify, confide.sign_message("{}", key, T, nonce=2), T)
    assert verifier.remembered() == 1


def test_verify_message_async():
    key = confide.SecretKey.generate()
    envelope = confide.sign_message("[1,2]", key, T)
    verified = asyncio.run(confide.verify_message_async(envelope, T))
    assert verified.signer == key.address() and verified.payload_json == "[1,2]"
