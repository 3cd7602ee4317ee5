"""LLMFeed through the Python package: a real signed feed from the repo verifies into its trust
report (sync and async), a one-character edit makes it invalid, sign → verify round-trips, and
every error code the feed functions raise."""

import asyncio
import json

import confide
from conftest import VECTORS, raises_code

REAL = VECTORS / "llmfeed" / "llmfeed-spec" / ".well-known"
REAL_FEED = (REAL / "mcp-lite.llmfeed.json").read_text()
PUBLISHER_KEY = (REAL / "public.pem").read_text()
NOW = 1_767_225_600
SEED = "11" * 32
# The Ed25519 public key of SEED (RFC 8032; derived once with Node's crypto module).
SEED_PUBLIC_KEY = "d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737"
FEED = json.dumps({"feed_type": "mcp", "metadata": {"title": "Café"}, "trust": {}, "_meta": {}})


def test_a_real_feed_verifies_and_a_one_character_edit_does_not():
    options = confide.VerifyFeedOptions(key=PUBLISHER_KEY)
    report = confide.verify_feed(REAL_FEED, NOW, options)
    assert report.trust_level == confide.TrustLevel.SIGNED
    assert report.signature is not None and report.signature.valid
    assert report.signature.canonicalization == "https://llmca.org/mcp-canonical-json/v1"
    assert report.untrusted_blocks == ["_meta"]
    assert report.certification.status == confide.CertificationStatus.ABSENT
    assert asyncio.run(confide.verify_feed_async(REAL_FEED, NOW, options)) == report

    tampered = REAL_FEED.replace("Minimal", "Maximal", 1)
    assert tampered != REAL_FEED
    bad = confide.verify_feed(tampered, NOW, options)
    assert bad.trust_level == confide.TrustLevel.INVALID
    assert bad.signature is not None and bad.signature.error is not None
    assert bad.signature.error.code == "INVALID_SIGNATURE"
    assert bad.trusted_blocks == []


def test_sign_then_verify_round_trips():
    signed = confide.sign_feed(FEED, SEED, NOW, confide.SignFeedOptions(key_hint="https://example.org/key"))
    assert json.loads(signed)["trust"]["public_key_hint"] == "https://example.org/key"
    report = confide.verify_feed(signed, NOW, confide.VerifyFeedOptions(key=SEED_PUBLIC_KEY))
    assert report.trust_level == confide.TrustLevel.SIGNED
    assert {"feed_type", "metadata", "trust"} <= set(report.trusted_blocks)
    by_another = confide.sign_feed(FEED, "22" * 32, NOW)
    wrong_key = confide.verify_feed(by_another, NOW, confide.VerifyFeedOptions(key=SEED_PUBLIC_KEY))
    assert wrong_key.trust_level == confide.TrustLevel.INVALID
    unsigned = confide.verify_feed(FEED, NOW)
    assert unsigned.trust_level == confide.TrustLevel.UNSIGNED and unsigned.signature is None


def test_every_feed_error_code():
    raises_code("INVALID_JSON", confide.verify_feed, "{not json", NOW)
    raises_code("INVALID_FEED", confide.verify_feed, "[1, 2]", NOW)
    raises_code("MESSAGE_TOO_LARGE", confide.verify_feed, json.dumps({"x": "a" * (9 * 1024 * 1024)}), NOW)
    raises_code("INVALID_KEY", confide.verify_feed, REAL_FEED, NOW, confide.VerifyFeedOptions(key="not a key"))
    raises_code("KEY_UNAVAILABLE", confide.verify_feed, REAL_FEED, NOW)
    raises_code(
        "INVALID_FEED", confide.verify_feed, FEED, NOW, confide.VerifyFeedOptions(policy="[]")
    )
    raises_code("INVALID_KEY", confide.sign_feed, FEED, "zz", NOW)
    raises_code("INVALID_JSON", confide.sign_feed, "{", SEED, NOW)
    raises_code(
        "UNSUPPORTED_SCHEME", confide.sign_feed, FEED, SEED, NOW, confide.SignFeedOptions(canonicalization="jcs-9")
    )
    raises_code("INVALID_FEED", confide.sign_feed, FEED, SEED, NOW, confide.SignFeedOptions(blocks=["missing"]))

    async def rejected():
        await confide.verify_feed_async("{", NOW)

    raises_code("INVALID_JSON", lambda: asyncio.run(rejected()))
