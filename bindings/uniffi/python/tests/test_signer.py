"""A wallet in Python (a `WalletSigner`, here backed by coincurve) signs session inits and signed
messages; a signer whose signature is not by the address it reports is refused with
INVALID_SIGNER, and one that declines or returns garbage with INVALID_SIGNATURE."""

import json

import coincurve
import confide
import pytest
from conftest import Host, now_ms, only_frame, params, raises_code

SCHEMES = [confide.SignatureScheme.EIP191, confide.SignatureScheme.SDK_TRANSCRIPT]


class Wallet(confide.WalletSigner):
    """Holds its key outside the library; reports `claimed` as its address (default: its own)."""

    def __init__(self, key: confide.SecretKey, claimed="own", reply=None):
        self.private = coincurve.PrivateKey(bytes.fromhex(key.to_hex()[2:]))
        self.claimed = key.address() if claimed == "own" else claimed
        self.reply = reply
        self.digests = []

    def address(self):
        return self.claimed

    def sign_digest(self, digest):
        self.digests.append(digest)
        if self.reply is not None:
            return self.reply(digest)
        # r ‖ s ‖ recovery id over the digest as given (no hashing): what a wallet's eth_sign of a
        # prehash returns.
        return self.private.sign_recoverable(digest, hasher=None)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_python_wallet_opens_a_session(scheme):
    host = Host()
    key = confide.SecretKey.generate()
    wallet = Wallet(key)
    client = confide.ClientSession.with_signer(host.endpoint.public_key(), wallet, scheme)
    ack = client.open(only_frame(host.send(client.init_message(params()))))
    assert ack == confide.ClientEvent.ACK(client_address=key.address())
    assert len(wallet.digests) == 1 and len(wallet.digests[0]) == 32
    assert client.client_address() == key.address()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_wallet_that_does_not_report_its_address_is_learnt_from_its_signature(scheme):
    host = Host()
    key = confide.SecretKey.generate()
    client = confide.ClientSession.with_signer(host.endpoint.public_key(), Wallet(key, claimed=None), scheme)
    client.init_message(params())
    assert client.client_address() == key.address()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_wallet_signing_for_another_address_is_refused(scheme):
    host = Host()
    impostor = Wallet(confide.SecretKey.generate(), claimed=confide.SecretKey.generate().address())
    client = confide.ClientSession.with_signer(host.endpoint.public_key(), impostor, scheme)
    error = raises_code("INVALID_SIGNER", client.init_message, params())
    assert impostor.claimed in error.reason
    assert client.client_address() is None


def test_a_wallet_that_declines_or_returns_garbage_is_invalid_signature():
    host = Host()
    key = confide.SecretKey.generate()

    def decline(digest):
        raise RuntimeError("the user declined")

    def refuse(digest):
        raise confide.ConfideError.Failure("UNAUTHORIZED", "locked")

    for reply, words in [(decline, "declined"), (refuse, "locked"), (lambda d: b"\x01" * 12, "")]:
        client = confide.ClientSession.with_signer(host.endpoint.public_key(), Wallet(key, reply=reply))
        error = raises_code("INVALID_SIGNATURE", client.init_message, params())
        assert words in error.reason


def test_a_malformed_wallet_address_is_invalid_argument():
    host = Host()
    client = confide.ClientSession.with_signer(
        host.endpoint.public_key(), Wallet(confide.SecretKey.generate(), claimed="0x1234"))
    raises_code("INVALID_ARGUMENT", client.init_message, params())


def test_a_python_wallet_signs_messages():
    key = confide.SecretKey.generate()
    envelope = confide.sign_message_with_signer('{"n":1}', Wallet(key), 1_700_000_000, nonce=5)
    verified = confide.verify_message(envelope, 1_700_000_000)
    assert verified.signer == key.address() and verified.bound
    assert json.loads(envelope)["nonce"] == 5
    # The same envelope as a local key makes: signatures are deterministic (RFC 6979).
    assert envelope == confide.sign_message('{"n":1}', key, 1_700_000_000, nonce=5)


def test_a_message_signed_for_another_address_is_refused():
    impostor = Wallet(confide.SecretKey.generate(), claimed=confide.SecretKey.generate().address())
    raises_code("INVALID_SIGNER", confide.sign_message_with_signer, "{}", impostor, 1_700_000_000)


def test_confide_v1_needs_the_wallet_address_and_lloom_v1_learns_it():
    key = confide.SecretKey.generate()
    anonymous = Wallet(key, claimed=None)
    raises_code("INVALID_KEY", confide.sign_message_with_signer, "{}", anonymous, 1_700_000_000)
    envelope = confide.sign_message_with_signer(
        "{}", anonymous, 1_700_000_000, scheme=confide.MessageScheme.LLOOM_V1)
    assert json.loads(envelope)["signer"] == key.address()
