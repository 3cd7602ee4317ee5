//! Every input LLMFEED.md rejects, with its code: documents that are not strict JSON or not a feed
//! (errors), malformed signed feeds (an `invalid` report whose signature error carries the code),
//! and unusable keys.

mod feed_common;

use confide_core::ErrorCode;
use confide_core::feed::json::MAX_DEPTH;
use confide_core::feed::{
    Feed, MAX_FEED_LEN, SignOptions, StaticKeys, TrustLevel, parse_public_key, parse_secret_key,
    sign_feed, verify_feed,
};
use feed_common::{SAMPLE, author, feed, keys, options};

const T0: i64 = 1_750_000_000;

fn parse_error(bytes: &[u8]) -> ErrorCode {
    verify_feed(bytes, &keys(), &options(T0, &[]))
        .unwrap_err()
        .code()
}

#[test]
fn documents_that_are_not_feeds_are_errors() {
    let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
    let deep_object = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    for (bytes, code) in [
        (&b"{\"feed_type\": \"mcp\""[..], ErrorCode::InvalidJson),
        (b"{\"a\":1,\"a\":2}", ErrorCode::InvalidJson),
        (b"{\"trust\":{\"x\":1,\"x\":1}}", ErrorCode::InvalidJson),
        (deep.as_bytes(), ErrorCode::InvalidJson),
        (deep_object.as_bytes(), ErrorCode::InvalidJson),
        (b"{\"a\":\"\xc3\x28\"}", ErrorCode::InvalidJson),
        (b"{\"a\":NaN}", ErrorCode::InvalidJson),
        (b"{\"a\":1e999}", ErrorCode::InvalidJson),
        (b"{\"a\":\"\\ud800\"}", ErrorCode::InvalidJson),
        (b"", ErrorCode::InvalidJson),
        (b"[]", ErrorCode::InvalidFeed),
        (b"\"feed\"", ErrorCode::InvalidFeed),
    ] {
        assert_eq!(
            parse_error(bytes),
            code,
            "{}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(40)])
        );
    }
}

#[test]
fn a_10_mib_input_is_too_large_and_the_limit_itself_is_fine() {
    let mut big = b"{\"a\":\"".to_vec();
    big.resize(10 * 1024 * 1024, b'x');
    big.extend_from_slice(b"\"}");
    assert_eq!(parse_error(&big), ErrorCode::MessageTooLarge);
    let mut limit = b"{\"a\":\"".to_vec();
    limit.resize(MAX_FEED_LEN - 2, b'x');
    limit.extend_from_slice(b"\"}");
    assert!(Feed::parse(&limit).is_ok());
}

/// The signed sample with `block.key` replaced by the JSON `value` (or removed for `None`).
fn signed_with(block: &str, key: &str, value: Option<&str>) -> Vec<u8> {
    let signed = sign_feed(&feed(SAMPLE), &author(), &SignOptions::new(T0)).unwrap();
    let mut edited = signed.clone();
    let mut object = edited.get(block).unwrap().as_object().unwrap().clone();
    match value {
        Some(json) => object.insert(
            key,
            feed(&format!("{{\"v\":{json}}}"))
                .get("v")
                .unwrap()
                .clone()
                .into_owned(),
        ),
        None => {
            object.remove(key);
        }
    }
    edited
        .blocks_mut()
        .insert(block, confide_core::feed::json::Value::Object(object));
    edited.to_compact_json()
}

fn invalid_with(bytes: &[u8]) -> String {
    let report = verify_feed(bytes, &keys(), &options(T0, &[])).unwrap();
    assert_eq!(report.trust_level, TrustLevel::Invalid);
    assert!(report.trusted_blocks.is_empty());
    report.signature.unwrap().error.unwrap().code.to_owned()
}

#[test]
fn malformed_signed_feeds_are_invalid_with_their_code() {
    let cases: [(&str, &str, Option<&str>, &str); 20] = [
        (
            "signature",
            "value",
            Some("\"not base64!\""),
            "INVALID_BASE64",
        ),
        ("signature", "value", Some("\"QUJD\""), "INVALID_SIGNATURE"),
        ("signature", "value", Some("\"\""), "INVALID_SIGNATURE"),
        ("signature", "value", None, "INVALID_FEED"),
        ("signature", "value", Some("42"), "INVALID_FEED"),
        ("signature", "created_at", Some("[]"), "INVALID_FEED"),
        (
            "trust",
            "signed_blocks",
            Some("[\"feed_type\",\"trust\",\"missing\"]"),
            "INVALID_FEED",
        ),
        ("trust", "signed_blocks", None, "INVALID_FEED"),
        ("trust", "signed_blocks", Some("\"all\""), "INVALID_FEED"),
        ("trust", "signed_blocks", Some("[]"), "INVALID_FEED"),
        ("trust", "signed_blocks", Some("[1]"), "INVALID_FEED"),
        (
            "trust",
            "signed_blocks",
            Some("[\"trust\",\"trust\"]"),
            "INVALID_FEED",
        ),
        (
            "trust",
            "signed_blocks",
            Some("[\"trust\",\"signature\"]"),
            "INVALID_FEED",
        ),
        (
            "trust",
            "signed_blocks",
            Some("[\"trust\",\"certification\"]"),
            "INVALID_FEED",
        ),
        (
            "trust",
            "signed_blocks",
            Some("[\"all\",\"trust\"]"),
            "INVALID_FEED",
        ),
        (
            "trust",
            "signed_blocks",
            Some("[\"feed_type\",\"metadata\"]"),
            "INVALID_FEED",
        ),
        (
            "trust",
            "algorithm",
            Some("\"rsa-sha256\""),
            "UNSUPPORTED_SCHEME",
        ),
        ("trust", "algorithm", Some("7"), "INVALID_FEED"),
        (
            "trust",
            "canonicalization",
            Some("\"jcs\""),
            "UNSUPPORTED_SCHEME",
        ),
        ("trust", "public_key_hint", Some("{}"), "INVALID_FEED"),
    ];
    for (block, key, value, code) in cases {
        assert_eq!(
            invalid_with(&signed_with(block, key, value)),
            code,
            "{block}.{key} = {value:?}"
        );
    }
    // A signature block without a trust block, or blocks of the wrong type.
    for text in [
        r#"{"feed_type":"x","signature":{"value":"AAAA"}}"#,
        r#"{"feed_type":"x","trust":"yes","signature":{"value":"AAAA"}}"#,
        r#"{"feed_type":"x","trust":{"signed_blocks":["trust"]},"signature":"AAAA"}"#,
    ] {
        assert_eq!(invalid_with(text.as_bytes()), "INVALID_FEED", "{text}");
    }
}

#[test]
fn unusable_keys_are_refused() {
    // Wrong length, not base64/hex/PEM, small order, another algorithm's SPKI.
    for text in [
        "00".repeat(31),
        "00".repeat(33),
        "AAAA".into(),
        "not a key".into(),
        format!("01{}", "00".repeat(31)),
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VxAyEAhJOuQoWFU9hU33zW8gbaTIQ6OKb1wviXlAEu5pV1nHY=\n-----END PUBLIC KEY-----".into(),
    ] {
        assert_eq!(parse_public_key(&text).unwrap_err().code(), ErrorCode::InvalidKey, "{text}");
    }
    for text in [
        "",
        "zz",
        &"11".repeat(33),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
    ] {
        assert_eq!(
            parse_secret_key(text).unwrap_err().code(),
            ErrorCode::InvalidKey,
            "{text}"
        );
    }
    // A signed feed with no key to check it: neither valid nor invalid.
    let signed = sign_feed(&feed(SAMPLE), &author(), &SignOptions::new(T0)).unwrap();
    let err = verify_feed(
        &signed.to_compact_json(),
        &StaticKeys::new(),
        &options(T0, &[]),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::KeyUnavailable);
    assert!(err.message().contains("gives no hint"));
}
