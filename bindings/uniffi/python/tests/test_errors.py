"""Every error code the Python surface raises, each from a call that really raises it, as a
`ConfideError.Failure` with the core's code string and a reason. (Codes a host reports to its
client travel in error frames and are covered by the exchange tests.)"""

import json

import confide
from conftest import Host, Pair, now_ms, params, raises_code

T = 1_700_000_000


def chunk_frames():
    """An answered prompt's frames, and the pair, with the frames not yet opened."""
    pair = Pair()
    start = pair.prompt("m1", "Hello")
    return pair, pair.host.answer(start.id, ["a", "b", "c"])


def payload_edit(frame: str, **changes) -> str:
    parsed = json.loads(frame)
    for key, value in changes.items():
        if value is None:
            parsed["payload"].pop(key)
        else:
            parsed["payload"][key] = value
    return json.dumps(parsed)


def on_answer(action):
    """A call that does `action(pair, frames)` on a fresh session with an answer waiting."""

    def call():
        pair, answer = chunk_frames()
        action(pair, answer)

    return call


def nonce_reuse(pair, answer):
    # Chunk 0 of the first answer, replayed as chunk 0 of a second prompt's answer.
    pair.client.open(answer[0])
    pair.host.send(pair.client.seal_prompt("m2", "again"))
    pair.client.open(answer[0].replace('"m1"', '"m2"'))


def rate_limited():
    verifier = confide.Verifier(capacity=1)
    verifier.verify(_envelope(nonce=1), T)
    verifier.verify(_envelope(nonce=2), T)


def opening_chunk_0(edit):
    """A call that opens chunk 0 of a fresh answer after `edit`."""
    return on_answer(lambda pair, answer: pair.client.open(edit(answer[0])))


def all_raisers():
    """For each code the surface raises, a call that raises it."""
    return {
        "REPLAY_DETECTED": on_answer(lambda pair, answer: pair.client.open(answer[1])),  # 1 before 0
        "NONCE_REUSE": on_answer(nonce_reuse),
        "DECRYPTION_FAILED": opening_chunk_0(
            lambda f: payload_edit(f, ciphertextHex="00" + json.loads(f)["payload"]["ciphertextHex"])),
        "INVALID_AAD": opening_chunk_0(lambda f: f.replace('"index":0', '"index":1')),
        "MISSING_PAYLOAD_FIELDS": opening_chunk_0(lambda f: payload_edit(f, nonceHex=None)),
        "INVALID_NONCE_SIZE": opening_chunk_0(lambda f: payload_edit(f, nonceHex="00" * 12)),
        "MISSING_PAYLOAD": opening_chunk_0(
            lambda f: json.dumps({k: v for k, v in json.loads(f).items() if k != "payload"})),
        "ENCRYPTION_REQUIRED": opening_chunk_0(
            lambda f: json.dumps({"type": "stream_chunk", "id": "m1", "content": "plain"})),
        "INVALID_MESSAGE": opening_chunk_0(lambda f: "garbage"),
        "INVALID_HEX_ENCODING": lambda: confide.SecretKey.from_hex("zz" * 32),
        "INVALID_KEY": lambda: confide.SecretKey.from_hex("00" * 32),
        "SESSION_KEY_NOT_FOUND": lambda: confide.ClientSession(
            Host().endpoint.public_key(), confide.SecretKey.generate()).seal_prompt("m1", "Hi"),
        "INVALID_ARGUMENT": lambda: confide.Verifier(capacity=0),
        "INVALID_SIGNATURE": lambda: confide.sign_message_with_signer("{}", Declining(), T),
        "MALFORMED_SIGNATURE": lambda: confide.verify_message(json.dumps(
            {"payload": {}, "signer": "0x" + "11" * 20, "signature": "0x12", "timestamp": T}), T),
        "INVALID_SIGNER": lambda: confide.verify_message(_other_signer(), T),
        "MESSAGE_EXPIRED": lambda: confide.verify_message(_envelope(), T + 10_000),
        "MESSAGE_FROM_FUTURE": lambda: confide.verify_message(_envelope(), T - 10_000),
        "UNSIGNED_MESSAGE": lambda: confide.verify_message(json.dumps({"payload": {}, "timestamp": T}), T),
        "UNSUPPORTED_SCHEME": lambda: confide.verify_message(_envelope().replace("confide-v1", "v9"), T),
        "RATE_LIMITED": rate_limited,
    }


class Declining(confide.WalletSigner):
    """A wallet whose user declines."""

    def address(self):
        return "0x" + "11" * 20

    def sign_digest(self, digest):
        raise RuntimeError("declined")


def _envelope(nonce=None):
    return confide.sign_message("{}", confide.SecretKey.generate(), T, nonce=nonce)


def _other_signer():
    """An envelope whose `signer` names someone who did not sign it."""
    fields = json.loads(_envelope())
    fields["signer"] = confide.SecretKey.generate().address()
    return json.dumps(fields)


# Codes the binding's calls raise. The others are reported by a host in error frames
# (ENCRYPTION_NOT_SUPPORTED, SESSION_ID_IN_USE, UNAUTHORIZED, TOO_MANY_SESSIONS,
# MODEL_NOT_FOUND, TOKEN_LIMIT_EXCEEDED, INFERENCE_FAILED, MESSAGE_TOO_LARGE,
# INVALID_SESSION_DATA) or are bugs (INTERNAL).
RAISED = {
    "DECRYPTION_FAILED", "INVALID_SIGNATURE", "SESSION_KEY_NOT_FOUND", "INVALID_NONCE_SIZE",
    "INVALID_HEX_ENCODING", "MISSING_PAYLOAD", "MISSING_PAYLOAD_FIELDS", "INVALID_KEY", "INVALID_AAD",
    "REPLAY_DETECTED", "NONCE_REUSE", "ENCRYPTION_REQUIRED", "INVALID_MESSAGE", "RATE_LIMITED",
    "INVALID_SIGNER", "MESSAGE_EXPIRED", "MESSAGE_FROM_FUTURE", "UNSIGNED_MESSAGE",
    "MALFORMED_SIGNATURE", "UNSUPPORTED_SCHEME", "INVALID_ARGUMENT",
}


def test_every_raised_code_has_a_call_that_raises_it():
    raisers = all_raisers()
    assert set(raisers) == RAISED
    for code, call in sorted(raisers.items()):
        raises_code(code, call)


def test_invalid_argument_names_the_argument():
    assert "capacity" in raises_code("INVALID_ARGUMENT", confide.Verifier, capacity=0).reason
    assert "max_age_secs" in raises_code(
        "INVALID_ARGUMENT", confide.verify_message, _envelope(), T, confide.VerifyPolicy(max_age_secs=10**9)).reason
    host = Host()
    assert "code" in raises_code("INVALID_ARGUMENT", host.connection.generation_failed, 1, "NOPE", "x", now_ms()).reason
    client = confide.ClientSession(host.endpoint.public_key(), confide.SecretKey.generate())
    client.init_message(params())
    assert "request_json" in raises_code("INVALID_ARGUMENT", client.seal_request, "m1", "{not json").reason
    raises_code("INVALID_ARGUMENT", confide.HostEndpoint, confide.SecretKey.generate(), now_ms(),
                confide.HostLimits(max_sessions=0))


def test_a_closed_session_refuses_everything():
    pair = Pair()
    pair.client.close()
    assert pair.client.client_address() is None
    raises_code("SESSION_KEY_NOT_FOUND", pair.client.seal_prompt, "m1", "Hi")
    raises_code("SESSION_KEY_NOT_FOUND", pair.client.init_message, params())


def test_a_bad_host_key_is_refused_at_construction():
    raises_code("INVALID_KEY", confide.ClientSession, "02" + "ff" * 32, confide.SecretKey.generate())
    raises_code("INVALID_HEX_ENCODING", confide.address_from_public_key, "xyz")


def test_a_rejected_frame_leaves_the_session_as_it_was():
    pair, (c0, c1, c2, final, end) = chunk_frames()
    raises_code("REPLAY_DETECTED", pair.client.open, c1)
    events = [pair.client.open(frame) for frame in (c0, c1, c2, final, end)]
    assert events[-1].verified


def test_the_error_prints_its_code_and_reason():
    error = raises_code("INVALID_HEX_ENCODING", confide.SecretKey.from_hex, "zz")
    assert "INVALID_HEX_ENCODING" in str(error) and "zz" not in error.reason
