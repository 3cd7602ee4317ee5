//! LLMFeed through the C ABI: a real feed verifies into the trust report, sign → verify round trips
//! with trusted certifiers and a policy, and bad input gives the core's error codes.

mod common;

use std::ffi::c_char;
use std::ptr;

use common::*;
use confide_core::crypto::Ed25519SecretKey;
use confide_core::feed::{CertifyOptions, Feed, certify_feed, secret_key_pem};
use confide_ffi::ConfideErrorCode;
use confide_ffi::feed::*;
use serde_json::Value;

const REAL_FEED: &str =
    include_str!("../../core/tests/vectors/llmfeed/llmfeed-spec/.well-known/mcp-lite.llmfeed.json");
const PUBLISHER_KEY: &str =
    include_str!("../../core/tests/vectors/llmfeed/llmfeed-spec/.well-known/public.pem");
const FEED: &str = r#"{"feed_type":"mcp","metadata":{"title":"Café"},"trust":{},"_meta":{}}"#;
const T0: i64 = 1_767_225_600;

fn verify(
    feed: &[u8],
    signer: Option<&str>,
    certifier: Option<&str>,
    trusted: &[&str],
    policy: Option<&str>,
) -> Result<Value, Failure> {
    let (signer, certifier, policy) = (signer.map(c), certifier.map(c), policy.map(c));
    let trusted: Vec<_> = trusted.iter().map(|t| c(t)).collect();
    let pointers: Vec<*const c_char> = trusted.iter().map(|t| t.as_ptr()).collect();
    let mut report = ptr::null_mut();
    let error = unsafe {
        confide_feed_verify(
            feed.as_ptr(),
            feed.len(),
            signer.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            certifier.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            if pointers.is_empty() {
                ptr::null()
            } else {
                pointers.as_ptr()
            },
            pointers.len(),
            policy.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            T0,
            &mut report,
        )
    };
    if error.is_null() {
        Ok(serde_json::from_str(&take_string(report)).unwrap())
    } else {
        assert!(report.is_null());
        Err(take_error(error))
    }
}

fn sign(
    feed: &str,
    key: Option<&str>,
    blocks: Option<&str>,
    canonicalization: Option<&str>,
) -> Result<String, Failure> {
    let (key, blocks, canonicalization) = (key.map(c), blocks.map(c), canonicalization.map(c));
    let mut signed = ptr::null_mut();
    let error = unsafe {
        confide_feed_sign(
            feed.as_ptr(),
            feed.len(),
            key.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            blocks.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            c("https://example.org/key.pem").as_ptr(),
            canonicalization
                .as_ref()
                .map_or(ptr::null(), |s| s.as_ptr()),
            T0,
            &mut signed,
        )
    };
    if error.is_null() {
        Ok(take_string(signed))
    } else {
        assert!(signed.is_null());
        Err(take_error(error))
    }
}

#[test]
fn a_real_feed_verifies_into_the_trust_report() {
    let report = verify(REAL_FEED.as_bytes(), Some(PUBLISHER_KEY), None, &[], None).unwrap();
    assert_eq!(report["trust_level"], "signed");
    assert_eq!(report["signature"]["valid"], true);
    assert_eq!(report["untrusted_blocks"], serde_json::json!(["_meta"]));
    let tampered = REAL_FEED.replacen("Minimal", "Maximal", 1);
    assert_ne!(tampered, REAL_FEED);
    let report = verify(tampered.as_bytes(), Some(PUBLISHER_KEY), None, &[], None).unwrap();
    assert_eq!(report["trust_level"], "invalid");
}

#[test]
fn sign_then_verify_with_a_trusted_certifier_and_a_policy() {
    let author = Ed25519SecretKey::from_seed(&[3; 32]).unwrap();
    let certifier = Ed25519SecretKey::from_seed(&[4; 32]).unwrap();
    let author_pem = secret_key_pem(&author);
    let signed = sign(
        FEED,
        Some(&author_pem),
        Some("feed_type, metadata"),
        Some("llmfeed-v1"),
    )
    .unwrap();
    let certified = certify_feed(
        &Feed::parse(signed.as_bytes()).unwrap(),
        &certifier,
        &CertifyOptions::new("https://llmca.org", T0 - 60),
    )
    .unwrap()
    .to_compact_json();
    let author_hex = confide_core::hex::encode(&author.public_key().to_bytes());
    let certifier_hex = confide_core::hex::encode(&certifier.public_key().to_bytes());
    let report = verify(
        &certified,
        Some(&author_hex),
        Some(&certifier_hex),
        &["https://llmca.org"],
        None,
    )
    .unwrap();
    assert_eq!(report["trust_level"], "certified");
    assert_eq!(report["signature"]["canonicalization"], "llmfeed-v1");
    assert_eq!(
        report["trusted_blocks"],
        serde_json::json!(["feed_type", "metadata", "trust"])
    );
    assert_eq!(report["untrusted_blocks"], serde_json::json!(["_meta"]));
    let policy = r#"{"certifier":"https://llmca.org","requirements":{"must_include":["_meta"]}}"#;
    let report = verify(
        &certified,
        Some(&author_hex),
        Some(&certifier_hex),
        &["https://llmca.org"],
        Some(policy),
    )
    .unwrap();
    assert_eq!(report["trust_level"], "signed");
    assert_eq!(report["certification"]["status"], "invalid");
    let report = verify(
        &certified,
        Some(&author_hex),
        Some(&certifier_hex),
        &[],
        None,
    )
    .unwrap();
    assert_eq!(report["certification"]["status"], "untrusted_certifier");
}

#[test]
fn bad_input_gives_the_core_codes() {
    let code = |result: Result<Value, Failure>| result.unwrap_err().code;
    assert_eq!(
        code(verify(b"{\"a\":1,\"a\":2}", None, None, &[], None)),
        ConfideErrorCode::InvalidJson as u32
    );
    assert_eq!(
        code(verify(b"[]", None, None, &[], None)),
        ConfideErrorCode::InvalidFeed as u32
    );
    assert_eq!(
        code(verify(REAL_FEED.as_bytes(), None, None, &[], None)),
        ConfideErrorCode::KeyUnavailable as u32
    );
    assert_eq!(
        code(verify(REAL_FEED.as_bytes(), Some("00"), None, &[], None)),
        ConfideErrorCode::InvalidKey as u32
    );
    assert_eq!(
        code(verify(
            FEED.as_bytes(),
            None,
            None,
            &[],
            Some("{\"validity_days\":\"x\"}")
        )),
        ConfideErrorCode::InvalidFeed as u32
    );
    let big = vec![b' '; 9 * 1024 * 1024];
    assert_eq!(
        code(verify(&big, None, None, &[], None)),
        ConfideErrorCode::MessageTooLarge as u32
    );

    let failure = sign(FEED, None, None, None).unwrap_err();
    assert_eq!(failure.code, ConfideErrorCode::InvalidArgument as u32);
    assert!(failure.message.contains("secret_key"));
    let key = confide_core::hex::encode(&[5; 32]);
    assert_eq!(
        sign(FEED, Some(&key), Some("signature"), None)
            .unwrap_err()
            .code,
        ConfideErrorCode::InvalidFeed as u32
    );
    assert_eq!(
        sign(FEED, Some(&key), None, Some("jcs")).unwrap_err().code,
        ConfideErrorCode::UnsupportedScheme as u32
    );
    assert_eq!(
        sign(FEED, Some("zz"), None, None).unwrap_err().code,
        ConfideErrorCode::InvalidKey as u32
    );
    // A NULL array with a count is refused, not read.
    let mut report = ptr::null_mut();
    let error = unsafe {
        confide_feed_verify(
            FEED.as_ptr(),
            FEED.len(),
            ptr::null(),
            ptr::null(),
            ptr::null(),
            2,
            ptr::null(),
            T0,
            &mut report,
        )
    };
    assert_eq!(
        take_error(error).code,
        ConfideErrorCode::InvalidArgument as u32
    );
}
