"""Warp through the Python package: BLS keys, signatures and aggregation against the derived
vectors, the two real Avalanche messages parsed and re-serialised byte for byte, verification
against a validator set (sync and async), and every Warp error code the surface raises."""

import asyncio
import json

import confide
from conftest import VECTORS, raises_code

DERIVED = json.loads((VECTORS / "warp" / "warp_derived_vectors.json").read_text())
REAL = json.loads((VECTORS / "warp" / "signed_warp_messages_from_fee_tests.json").read_text())["vectors"]
KEYS = [(bytes.fromhex(k["sk_hex"]), bytes.fromhex(k["pk_compressed_hex"])) for k in DERIVED["keys"]]
U = DERIVED["unsigned_message"]
UNSIGNED = bytes.fromhex(U["avalanchego_linearcodec_hex"])
POP = DERIVED["sign_avalanchego_unsigned_POP"]
SIGS = [bytes.fromhex(s) for s in POP["sigs_hex"]]
AGG_0_2 = bytes.fromhex(POP["agg_keys_0_2_hex"])
SIGNED_0_2 = bytes.fromhex(DERIVED["signed_message_avalanchego_POP_keys0_2"]["hex"])
INFINITY_KEY = bytes([0xC0]) + bytes(47)
# Keys 0 and 2 signed: 80 of 100.
VALIDATORS = json.dumps(
    [
        {"node_id": f"NodeID-{name}", "bls_public_key": "0x" + k["pk_compressed_hex"], "weight": weight}
        for name, k, weight in zip("ABC", DERIVED["keys"], [40, 20, 40])
    ]
)


def test_bls_matches_the_derived_vectors():
    key = confide.BlsSecretKey.from_bytes(KEYS[0][0])
    assert key.public_key() == KEYS[0][1]
    assert key.sign(UNSIGNED) == SIGS[0]
    nul = bytes.fromhex(DERIVED["sign_avalanchego_unsigned_NUL"]["sigs_hex"][0])
    assert key.sign(UNSIGNED, confide.BlsCiphersuite.LUX_BASIC) == nul
    assert key.proof_of_possession() == bytes.fromhex(DERIVED["pop_over_compressed_pk"][0])
    assert confide.bls_verify(KEYS[0][1], UNSIGNED, SIGS[0])
    assert not confide.bls_verify(KEYS[1][1], UNSIGNED, SIGS[0])
    fresh = confide.BlsSecretKey.generate()
    assert confide.bls_verify(fresh.public_key(), b"m", fresh.sign(b"m"))

    assert confide.bls_aggregate_signatures([SIGS[0], SIGS[2]]) == AGG_0_2
    assert confide.bls_aggregate_signatures(SIGS) == bytes.fromhex(POP["agg_all_hex"])
    pair = [KEYS[0][1], KEYS[2][1]]
    assert confide.bls_fast_aggregate_verify(pair, UNSIGNED, AGG_0_2)
    assert not confide.bls_fast_aggregate_verify(pair[:1], UNSIGNED, AGG_0_2)
    assert asyncio.run(confide.bls_fast_aggregate_verify_async(pair, UNSIGNED, AGG_0_2))
    assert confide.bls_verify(confide.bls_aggregate_public_keys(pair), UNSIGNED, AGG_0_2)


def test_messages_build_and_real_avalanche_messages_round_trip():
    message = confide.WarpUnsignedMessage(U["network_id"], bytes.fromhex(U["source_chain_id_hex"]), bytes.fromhex(U["payload_hex"]))
    assert message.to_bytes() == UNSIGNED
    assert message.id() == bytes.fromhex(U["avalanchego_message_id_sha256"])
    rlp = bytes.fromhex(U["luxfi_v1_18_rlp_hex"])
    assert confide.WarpUnsignedMessage.parse(rlp, confide.WarpCodec.LUX_RLP).payload() == bytes.fromhex(U["payload_hex"])
    signed = confide.WarpSignedMessage(message, b"\x05", AGG_0_2)
    assert signed.to_bytes() == SIGNED_0_2
    assert signed.signer_indices() == [0, 2]

    for name, vector in REAL.items():
        raw = bytes.fromhex(vector["signed_message_hex"])
        parsed = confide.WarpSignedMessage.parse(raw)
        assert parsed.to_bytes() == raw, name
        inner = parsed.unsigned_message()
        assert inner.network_id() == vector["network_id"]
        assert inner.source_chain_id() == bytes.fromhex(vector["source_chain_id_hex"])
        assert inner.payload() == bytes.fromhex(vector["payload_hex"])
        assert inner.id() == bytes.fromhex(vector["message_id_sha256_hex"])
        assert inner.to_bytes() == bytes.fromhex(vector["unsigned_message_hex"])
        assert parsed.signers() == bytes.fromhex(vector["signers_hex"])
        assert parsed.signature() == bytes.fromhex(vector["aggregate_signature_hex"])


def test_a_signed_message_verifies_against_the_set():
    validators = confide.WarpValidatorSet.from_json(VALIDATORS)
    assert (validators.length(), validators.total_weight()) == (3, 100)
    message = confide.WarpSignedMessage.parse(SIGNED_0_2)
    expected = confide.WarpVerified(signed_weight=80, total_weight=100, signers=["NodeID-A", "NodeID-C"])
    assert validators.verify(message, U["network_id"], 67, 100) == expected
    assert asyncio.run(validators.verify_async(message, U["network_id"], 67, 100)) == expected


def test_every_warp_error_code():
    raises_code("INVALID_KEY", confide.BlsSecretKey.from_bytes, bytes(32))
    raises_code("INVALID_KEY", confide.bls_verify, INFINITY_KEY, UNSIGNED, SIGS[0])
    raises_code("INVALID_KEY", confide.bls_verify, KEYS[0][1][1:], UNSIGNED, SIGS[0])
    raises_code("INVALID_KEY", confide.bls_aggregate_public_keys, [])
    raises_code("INVALID_SIGNATURE", confide.bls_verify, KEYS[0][1], UNSIGNED, SIGS[0][1:])
    raises_code("INVALID_SIGNATURE", confide.bls_aggregate_signatures, [])

    raw = bytes.fromhex(REAL["RegisterL1ValidatorTx"]["signed_message_hex"])
    assert "truncated" in raises_code("INVALID_MESSAGE", confide.WarpSignedMessage.parse, raw[:-1]).reason
    assert "trailing" in raises_code("INVALID_MESSAGE", confide.WarpSignedMessage.parse, raw + b"\x00").reason
    raises_code("INVALID_MESSAGE", confide.WarpUnsignedMessage.parse, raw)
    unsigned = confide.WarpUnsignedMessage.parse(UNSIGNED)
    raises_code("INVALID_MESSAGE", confide.WarpSignedMessage, unsigned, b"\x00\x05", AGG_0_2)
    raises_code("INVALID_SIGNATURE", confide.WarpSignedMessage, unsigned, b"\x05", bytes(96))
    raises_code("INVALID_ARGUMENT", confide.WarpUnsignedMessage, 1, bytes(31), b"")
    raises_code("MESSAGE_TOO_LARGE", confide.WarpUnsignedMessage, 1, bytes(32), bytes(256 * 1024))

    validators = confide.WarpValidatorSet.from_json(VALIDATORS)
    message = confide.WarpSignedMessage.parse(SIGNED_0_2)
    network = U["network_id"]
    raises_code("WRONG_NETWORK", validators.verify, message, 2, 67, 100)
    raises_code("INSUFFICIENT_WEIGHT", validators.verify, message, network, 81, 100)
    raises_code("INVALID_SIGNATURE", validators.verify, message, network, 67, 100, confide.BlsCiphersuite.LUX_BASIC)
    raises_code("INVALID_ARGUMENT", validators.verify, message, network, 3, 2)
    beyond = confide.WarpSignedMessage(unsigned, b"\x0d", AGG_0_2)  # bit 3: no fourth validator
    raises_code("INVALID_MESSAGE", validators.verify, beyond, network, 67, 100)
    raises_code("INSUFFICIENT_WEIGHT", lambda: asyncio.run(validators.verify_async(message, network, 81, 100)))

    bad = '[{"node_id":"X","bls_public_key":"%s","weight":1}]' % INFINITY_KEY.hex()
    assert "validators[0] (X)" in raises_code("INVALID_VALIDATOR_SET", confide.WarpValidatorSet.from_json, bad).reason
    raises_code("INVALID_VALIDATOR_SET", confide.WarpValidatorSet.from_json, '[{"node_id":"X","weight":0}]')
    raises_code("INVALID_VALIDATOR_SET", confide.WarpValidatorSet.from_json, "{}")
