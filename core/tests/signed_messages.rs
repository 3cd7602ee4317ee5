//! Signed messages (SIGNED_MESSAGES.md): the deployed Lloom vectors, the confide-v1 digest computed
//! independently, tampering, the time window and its limits, replay protection (tickets, the
//! fail-closed guard, caller checks), unsigned envelopes, signers.

use confide_core::crypto::{Address, RecoverableSignature, SecretKey, Signer, keccak256};
use confide_core::signed::{
    LlmResponse, MessageScheme, RawSignedMessage, ReplayGuard, ReplayTicket, SignOptions,
    SignedMessage, UsageRecord, Verifier, VerifyPolicy, VerifyWarning,
};
use confide_core::{ErrorCode, ErrorDetail, Result, hex};
use serde_json::{Value, json};

const NOW: u64 = 1_732_200_000;

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors/lloom/lloom_signing_vectors.json")).unwrap()
}

fn lloom_key() -> SecretKey {
    SecretKey::from_hex(vectors()["private_key"].as_str().unwrap()).unwrap()
}

fn key() -> SecretKey {
    SecretKey::from_hex(&"42".repeat(32)).unwrap()
}

fn options(timestamp: u64, nonce: Option<u64>) -> SignOptions {
    SignOptions {
        timestamp,
        nonce,
        scheme: MessageScheme::ConfideV1,
    }
}

fn sign_confide(payload: Value, timestamp: u64, nonce: Option<u64>) -> String {
    SignedMessage::sign(payload, &key(), options(timestamp, nonce))
        .unwrap()
        .to_json()
}

#[track_caller]
fn assert_code<T: std::fmt::Debug>(result: Result<T>, code: ErrorCode) -> confide_core::Error {
    let err = result.expect_err("expected an error");
    assert_eq!(err.code(), code, "{err}");
    err
}

fn verify(json: &str, policy: &VerifyPolicy, now: u64) -> Result<confide_core::signed::Verified> {
    RawSignedMessage::parse(json)?.verify(policy, now)
}

#[test]
fn lloom_vectors_verify_and_resign_byte_identically() {
    let v = vectors();
    assert_eq!(lloom_key().address().to_checksum(), v["address"]);
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for case in cases {
        let payload = case["payload_json"].as_str().unwrap();
        assert_eq!(
            hex::encode_prefixed(&keccak256(payload.as_bytes())),
            case["keccak256"]
        );
        let options = SignOptions {
            timestamp: NOW,
            nonce: None,
            scheme: MessageScheme::LloomV1,
        };
        let signed = RawSignedMessage::sign_json(payload, &lloom_key(), options).unwrap();
        let envelope: Value = serde_json::from_str(&signed.to_json()).unwrap();
        assert_eq!(envelope["signature"], case["signature"]);
        assert!(
            envelope.get("scheme").is_none(),
            "lloom envelopes carry no scheme field"
        );

        // A Lloom-shaped envelope around the published signature verifies, unbound.
        let received = format!(
            r#"{{"payload":{payload},"signer":"{}","signature":"{}","timestamp":{NOW},"nonce":9}}"#,
            v["address"].as_str().unwrap(),
            case["signature"].as_str().unwrap()
        );
        let verified = verify(&received, &VerifyPolicy::default(), NOW).unwrap();
        assert_eq!(verified.signer, Some(lloom_key().address()));
        assert!(!verified.bound);
        assert_eq!(verified.scheme, MessageScheme::LloomV1);
        assert_eq!(verified.warnings, [VerifyWarning::UnboundMetadata]);
    }
    // The second case is the deployed LlmResponse type, serialised in struct order.
    let response: LlmResponse =
        serde_json::from_str(cases[1]["payload_json"].as_str().unwrap()).unwrap();
    let typed = SignedMessage::sign(
        response,
        &lloom_key(),
        SignOptions {
            timestamp: NOW,
            nonce: None,
            scheme: MessageScheme::LloomV1,
        },
    )
    .unwrap();
    assert_eq!(typed.envelope().payload_json(), cases[1]["payload_json"]);
}

#[test]
fn confide_v1_digest_matches_an_independent_byte_by_byte_computation() {
    let json = sign_confide(json!({"model":"demo","tokens":3}), NOW, Some(7));
    let envelope: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(envelope["scheme"], "confide-v1");
    let mut preimage = Vec::new();
    preimage.extend_from_slice(b"confide-signed-message-v1");
    preimage.extend_from_slice(&[0, 0, 0, 0, 0x67, 0x3f, 0x46, 0x40]); // 1_732_200_000 big-endian
    preimage.push(1); // has_nonce
    preimage.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 7]);
    preimage.extend_from_slice(key().address().as_bytes());
    preimage.extend_from_slice(br#"{"model":"demo","tokens":3}"#);
    let digest = keccak256(&preimage);
    let signature = hex::decode("sig", envelope["signature"].as_str().unwrap()).unwrap();
    let recovered = RecoverableSignature::from_bytes(&signature)
        .unwrap()
        .recover(&digest)
        .unwrap();
    assert_eq!(recovered.address(), key().address());
    assert_eq!(
        digest,
        MessageScheme::ConfideV1.digest(
            br#"{"model":"demo","tokens":3}"#,
            NOW,
            Some(7),
            &key().address()
        )
    );
    // Without a nonce: has_nonce = 0 and eight zero bytes.
    let mut no_nonce = preimage.clone();
    no_nonce[25 + 8] = 0;
    no_nonce[34..42].fill(0);
    assert_eq!(
        keccak256(&no_nonce),
        MessageScheme::ConfideV1.digest(
            br#"{"model":"demo","tokens":3}"#,
            NOW,
            None,
            &key().address()
        )
    );
}

#[test]
fn changing_payload_timestamp_nonce_or_signer_breaks_verification() {
    let json = sign_confide(json!({"amount":1}), NOW, Some(7));
    let policy = VerifyPolicy::default();
    assert!(verify(&json, &policy, NOW).unwrap().bound);
    let other = SecretKey::from_hex(&"43".repeat(32))
        .unwrap()
        .address()
        .to_checksum();
    for tampered in [
        json.replace(r#"{"amount":1}"#, r#"{"amount":2}"#),
        json.replace(
            &format!("\"timestamp\":{NOW}"),
            &format!("\"timestamp\":{}", NOW + 1),
        ),
        json.replace("\"nonce\":7", "\"nonce\":8"),
        json.replace(&key().address().to_checksum(), &other),
    ] {
        assert_ne!(tampered, json);
        let err = assert_code(verify(&tampered, &policy, NOW), ErrorCode::InvalidSigner);
        let Some(ErrorDetail::InvalidSigner {
            expected,
            recovered,
        }) = err.detail()
        else {
            panic!("INVALID_SIGNER carries both addresses");
        };
        assert_ne!(expected, recovered);
    }
    // Dropping the nonce changes the digest too.
    let without = json.replace(",\"nonce\":7", "");
    assert_code(verify(&without, &policy, NOW), ErrorCode::InvalidSigner);
}

#[test]
fn time_window_edges() {
    let policy = VerifyPolicy::default();
    let json = sign_confide(json!({}), NOW, None);
    verify(&json, &policy, NOW + 300).unwrap();
    assert_code(verify(&json, &policy, NOW + 301), ErrorCode::MessageExpired);
    verify(&json, &policy, NOW - 300).unwrap();
    assert_code(
        verify(&json, &policy, NOW - 301),
        ErrorCode::MessageFromFuture,
    );
    let strict = VerifyPolicy {
        max_age_secs: 10,
        max_future_skew_secs: 0,
        ..policy
    };
    verify(&json, &strict, NOW + 10).unwrap();
    assert_code(verify(&json, &strict, NOW + 11), ErrorCode::MessageExpired);
    assert_code(
        verify(&json, &strict, NOW - 1),
        ErrorCode::MessageFromFuture,
    );

    // lloom-v1 cannot enforce an unsigned timestamp: it only warns.
    let lloom = RawSignedMessage::sign_json(
        "{}",
        &key(),
        SignOptions {
            timestamp: NOW,
            nonce: None,
            scheme: MessageScheme::LloomV1,
        },
    )
    .unwrap()
    .to_json();
    let verified = verify(&lloom, &policy, NOW + 10_000).unwrap();
    assert!(
        verified
            .warnings
            .contains(&VerifyWarning::TimestampOutsideWindow)
    );
    let bound_only = VerifyPolicy {
        require_bound_scheme: true,
        ..policy
    };
    assert_code(
        verify(&lloom, &bound_only, NOW),
        ErrorCode::UnsupportedScheme,
    );
}

#[test]
fn replay_within_the_window_is_rejected_and_allowed_after() {
    let mut verifier = Verifier::new(VerifyPolicy::default()).unwrap();
    let with_nonce = RawSignedMessage::parse(&sign_confide(json!({"a":1}), NOW, Some(1))).unwrap();
    verifier.verify(&with_nonce, NOW).unwrap();
    assert_code(
        verifier.verify(&with_nonce, NOW + 300),
        ErrorCode::ReplayDetected,
    );
    // Another payload under the same (signer, nonce) is a replay of the nonce.
    let same_nonce = RawSignedMessage::parse(&sign_confide(json!({"a":2}), NOW, Some(1))).unwrap();
    assert_code(
        verifier.verify(&same_nonce, NOW + 1),
        ErrorCode::ReplayDetected,
    );
    // After the window the message is expired anyway, and the guard has forgotten it.
    assert_code(
        verifier.verify(&with_nonce, NOW + 301),
        ErrorCode::MessageExpired,
    );
    let fresh = RawSignedMessage::parse(&sign_confide(json!({"a":1}), NOW + 400, Some(1))).unwrap();
    verifier.verify(&fresh, NOW + 400).unwrap();
    // Without a nonce the digest is the key.
    let plain = RawSignedMessage::parse(&sign_confide(json!({"b":1}), NOW, None)).unwrap();
    verifier.verify(&plain, NOW).unwrap();
    assert_code(verifier.verify(&plain, NOW + 5), ErrorCode::ReplayDetected);
}

fn lloom_v1(timestamp: u64) -> RawSignedMessage {
    let options = SignOptions {
        timestamp,
        nonce: None,
        scheme: MessageScheme::LloomV1,
    };
    RawSignedMessage::sign_json(r#"{"a":1}"#, &key(), options).unwrap()
}

fn parsed(payload: Value, timestamp: u64, nonce: Option<u64>) -> RawSignedMessage {
    RawSignedMessage::parse(&sign_confide(payload, timestamp, nonce)).unwrap()
}

#[test]
fn policy_windows_above_seven_days_are_invalid_argument_everywhere() {
    let json = sign_confide(json!({}), NOW, Some(1));
    let envelope = RawSignedMessage::parse(&json).unwrap();
    let widest = VerifyPolicy {
        max_age_secs: VerifyPolicy::MAX_WINDOW_SECS,
        max_future_skew_secs: VerifyPolicy::MAX_WINDOW_SECS,
        ..VerifyPolicy::default()
    };
    assert_eq!(VerifyPolicy::MAX_WINDOW_SECS, 604_800);
    widest.validate().unwrap();
    Verifier::with_capacity(widest, 1).unwrap();
    for (field, policy) in [
        (
            "max_age_secs",
            VerifyPolicy {
                max_age_secs: u64::MAX,
                ..VerifyPolicy::default()
            },
        ),
        (
            "max_future_skew_secs",
            VerifyPolicy {
                max_future_skew_secs: u64::MAX,
                ..VerifyPolicy::default()
            },
        ),
        (
            "max_age_secs",
            VerifyPolicy {
                max_age_secs: VerifyPolicy::MAX_WINDOW_SECS + 1,
                ..widest
            },
        ),
        (
            "max_future_skew_secs",
            VerifyPolicy {
                max_future_skew_secs: VerifyPolicy::MAX_WINDOW_SECS + 1,
                ..widest
            },
        ),
    ] {
        let name = format!("`{field}`");
        for err in [
            assert_code(policy.validate(), ErrorCode::InvalidArgument),
            assert_code(Verifier::new(policy), ErrorCode::InvalidArgument),
            assert_code(
                Verifier::with_capacity(policy, 10),
                ErrorCode::InvalidArgument,
            ),
            assert_code(envelope.verify(&policy, NOW), ErrorCode::InvalidArgument),
            assert_code(
                envelope.verify_unrecorded(&policy, NOW),
                ErrorCode::InvalidArgument,
            ),
        ] {
            assert!(err.message().contains(&name), "{err}");
        }
    }
}

#[test]
fn verifier_capacity_zero_is_invalid_argument() {
    let err = assert_code(
        Verifier::with_capacity(VerifyPolicy::default(), 0),
        ErrorCode::InvalidArgument,
    );
    assert!(err.message().contains("`capacity`"), "{err}");
    assert_code(ReplayGuard::new(0), ErrorCode::InvalidArgument);
}

#[test]
fn a_full_verifier_fails_closed_and_frees_room_as_entries_expire() {
    let mut verifier = Verifier::with_capacity(VerifyPolicy::default(), 2).unwrap();
    let first = parsed(json!({}), NOW, Some(1));
    verifier.verify(&first, NOW).unwrap();
    verifier
        .verify(&parsed(json!({}), NOW + 5, Some(2)), NOW + 5)
        .unwrap();
    let third = parsed(json!({}), NOW + 10, Some(3));
    let err = assert_code(verifier.verify(&third, NOW + 10), ErrorCode::RateLimited);
    assert_eq!(err.message(), "replay memory is full; try again later");
    // Nothing was forgotten to make room: the first envelope is still a replay.
    assert_code(verifier.verify(&first, NOW + 10), ErrorCode::ReplayDetected);
    assert_eq!(verifier.remembered(), 2);
    // The first expires at NOW + 301 (the second at NOW + 306), which frees one slot.
    assert_code(verifier.verify(&third, NOW + 300), ErrorCode::RateLimited);
    verifier.verify(&third, NOW + 301).unwrap();
    assert_code(
        verifier.verify(&third, NOW + 301),
        ErrorCode::ReplayDetected,
    );
}

#[test]
fn verify_with_records_only_what_the_callers_check_accepts() {
    // Room for one envelope: a refused one must not take it.
    let mut verifier = Verifier::with_capacity(VerifyPolicy::default(), 1).unwrap();
    let refused = parsed(json!({"to":"someone else"}), NOW, Some(1));
    let legit = parsed(json!({"to":"me"}), NOW, Some(2));
    let wrong_executor = |verified: &confide_core::signed::Verified| {
        assert_eq!(verified.signer, Some(key().address()));
        Err(confide_core::Error::new(
            ErrorCode::Unauthorized,
            "addressed to another executor",
        ))
    };
    for _ in 0..2 {
        assert_code(
            verifier.verify_with(&refused, NOW, wrong_executor),
            ErrorCode::Unauthorized,
        );
    }
    assert_eq!(verifier.remembered(), 0);
    let mut checked = false;
    let verified = verifier
        .verify_with(&legit, NOW, |_| {
            checked = true;
            Ok(())
        })
        .unwrap();
    assert!(checked && verified.bound);
    assert_eq!(verifier.remembered(), 1);
    assert_code(
        verifier.verify_with(&legit, NOW + 1, |_| Ok(())),
        ErrorCode::ReplayDetected,
    );
    // A verification failure never reaches the check.
    assert_code(
        verifier.verify_with(&legit, NOW + 301, |_| panic!("not called")),
        ErrorCode::MessageExpired,
    );
}

#[test]
fn verify_unrecorded_returns_the_ticket_a_guard_records() {
    let policy = VerifyPolicy::default();
    let mut guard = ReplayGuard::new(10).unwrap();
    let envelope = parsed(json!({"a":1}), NOW, Some(1));
    let (verified, ticket) = envelope.verify_unrecorded(&policy, NOW).unwrap();
    assert_eq!(verified, envelope.verify(&policy, NOW).unwrap());
    let ticket = ticket.expect("a signed envelope has a ticket");
    guard.record(&ticket, NOW).unwrap();
    assert_code(guard.record(&ticket, NOW), ErrorCode::ReplayDetected);
    // Same (signer, nonce), another payload: the same ticket key.
    let (_, same_nonce) = parsed(json!({"a":2}), NOW, Some(1))
        .verify_unrecorded(&policy, NOW)
        .unwrap();
    assert_code(
        guard.record(&same_nonce.unwrap(), NOW + 1),
        ErrorCode::ReplayDetected,
    );
    assert_eq!(guard.len(), 1);

    // Unsigned envelopes a lax policy accepts prove nothing: no ticket.
    let lenient = VerifyPolicy {
        require_signatures: false,
        ..policy
    };
    let unsigned = RawSignedMessage::parse(r#"{"payload":{},"timestamp":1}"#).unwrap();
    let (verified, ticket) = unsigned.verify_unrecorded(&lenient, NOW).unwrap();
    assert_eq!(verified.warnings, [VerifyWarning::Unsigned]);
    assert!(ticket.is_none());
}

/// The guard remembers `ticket` (recorded at `recorded_at`) until exactly `expires_at`.
#[track_caller]
fn assert_remembered_until(ticket: &ReplayTicket, recorded_at: u64, expires_at: u64) {
    let mut guard = ReplayGuard::new(1).unwrap();
    guard.record(ticket, recorded_at).unwrap();
    assert_code(
        guard.record(ticket, expires_at - 1),
        ErrorCode::ReplayDetected,
    );
    guard.record(ticket, expires_at).unwrap();
}

#[test]
fn tickets_expire_when_the_envelope_can_no_longer_pass_the_window() {
    let policy = VerifyPolicy {
        max_age_secs: 100,
        max_future_skew_secs: 50,
        ..VerifyPolicy::default()
    };
    let ticket = |envelope: &RawSignedMessage, now| {
        envelope.verify_unrecorded(&policy, now).unwrap().1.unwrap()
    };
    // Bound: timestamp + max age + 1, whenever it was received.
    let bound = parsed(json!({}), NOW, Some(1));
    assert_remembered_until(&ticket(&bound, NOW - 50), NOW - 50, NOW + 101);
    assert_remembered_until(&ticket(&bound, NOW + 100), NOW + 100, NOW + 101);
    assert_code(bound.verify(&policy, NOW + 101), ErrorCode::MessageExpired);
    // Unbound (lloom-v1): its timestamp can be rewritten, so now + max age + max skew + 1.
    let lloom = lloom_v1(NOW);
    assert_remembered_until(&ticket(&lloom, NOW), NOW, NOW + 151);
    assert_remembered_until(&ticket(&lloom, NOW + 1_000), NOW + 1_000, NOW + 1_151);
}

#[test]
fn ticket_expiry_saturates_at_the_end_of_time() {
    let widest = VerifyPolicy {
        max_age_secs: VerifyPolicy::MAX_WINDOW_SECS,
        max_future_skew_secs: VerifyPolicy::MAX_WINDOW_SECS,
        ..VerifyPolicy::default()
    };
    let late = u64::MAX - 5;
    let mut guard = ReplayGuard::new(4).unwrap();
    for envelope in [parsed(json!({}), late, Some(1)), lloom_v1(late)] {
        let (_, ticket) = envelope.verify_unrecorded(&widest, late).unwrap();
        let ticket = ticket.unwrap();
        guard.record(&ticket, late).unwrap();
        // Remembered to the last second: an expiry that wrapped around would be forgotten.
        assert_code(
            guard.record(&ticket, u64::MAX - 1),
            ErrorCode::ReplayDetected,
        );
    }
}

#[test]
fn unsigned_envelopes_follow_the_policy() {
    let unsigned = r#"{"payload":{"prompt":"hi"},"timestamp":1732200000}"#;
    assert_code(
        verify(unsigned, &VerifyPolicy::default(), NOW),
        ErrorCode::UnsignedMessage,
    );
    let lenient = VerifyPolicy {
        require_signatures: false,
        ..VerifyPolicy::default()
    };
    let verified = verify(unsigned, &lenient, NOW).unwrap();
    assert_eq!(verified.signer, None);
    assert_eq!(verified.warnings, [VerifyWarning::Unsigned]);
    let empty = r#"{"payload":{},"signature":"0x","timestamp":1}"#;
    assert_code(
        verify(empty, &VerifyPolicy::default(), NOW),
        ErrorCode::UnsignedMessage,
    );
}

#[test]
fn malformed_envelopes_have_stable_codes() {
    let json = sign_confide(json!({}), NOW, None);
    let envelope: Value = serde_json::from_str(&json).unwrap();
    let signature = envelope["signature"].as_str().unwrap();
    let mut high_v = signature.to_owned();
    high_v.replace_range(130..132, "05");
    for bad in ["0xzz", "0x1234", &signature[..signature.len() - 2], &high_v] {
        let tampered = json.replace(signature, bad);
        assert_code(
            verify(&tampered, &VerifyPolicy::default(), NOW),
            ErrorCode::MalformedSignature,
        );
    }
    let unknown = json.replace("confide-v1", "confide-v9");
    assert_code(
        verify(&unknown, &VerifyPolicy::default(), NOW),
        ErrorCode::UnsupportedScheme,
    );
    let bad_signer = json.replace(&key().address().to_checksum(), "0x1234");
    assert_code(
        verify(&bad_signer, &VerifyPolicy::default(), NOW),
        ErrorCode::InvalidMessage,
    );
    for garbage in ["", "[]", r#"{"signer":"0x"}"#, "{\"payload\":"] {
        assert_code(RawSignedMessage::parse(garbage), ErrorCode::InvalidMessage);
    }
    assert_code(
        RawSignedMessage::sign_json("{not json", &key(), options(NOW, None)),
        ErrorCode::InvalidMessage,
    );
}

/// A hardware wallet that exposes its address but not its key, and signs through a callback.
struct Wallet {
    key: SecretKey,
    claims: Address,
}

impl Signer for Wallet {
    fn sign_prehash(&self, digest: &[u8; 32]) -> Result<RecoverableSignature> {
        self.key.sign_prehash(digest)
    }

    fn address(&self) -> Option<Address> {
        Some(self.claims)
    }
}

/// A signer that knows nothing about itself.
struct Anonymous(SecretKey);

impl Signer for Anonymous {
    fn sign_prehash(&self, digest: &[u8; 32]) -> Result<RecoverableSignature> {
        self.0.sign_prehash(digest)
    }
}

#[test]
fn signer_abstraction_accepts_wallets_and_catches_liars() {
    let honest = Wallet {
        key: key(),
        claims: key().address(),
    };
    let json = SignedMessage::sign(json!({"x":1}), &honest, options(NOW, Some(3)))
        .unwrap()
        .to_json();
    assert_eq!(
        verify(&json, &VerifyPolicy::default(), NOW).unwrap().signer,
        Some(key().address())
    );

    let liar = Wallet {
        key: key(),
        claims: lloom_key().address(),
    };
    let err = assert_code(
        SignedMessage::sign(json!({}), &liar, options(NOW, None)),
        ErrorCode::InvalidSigner,
    );
    assert!(matches!(
        err.detail(),
        Some(ErrorDetail::InvalidSigner { .. })
    ));

    // confide-v1 binds the signer, so it must be known up front; lloom-v1 learns it.
    assert_code(
        SignedMessage::sign(json!({}), &Anonymous(key()), options(NOW, None)),
        ErrorCode::InvalidKey,
    );
    let lloom = SignOptions {
        timestamp: NOW,
        nonce: None,
        scheme: MessageScheme::LloomV1,
    };
    let json = SignedMessage::sign(json!({}), &Anonymous(key()), lloom)
        .unwrap()
        .to_json();
    assert_eq!(
        verify(&json, &VerifyPolicy::default(), NOW).unwrap().signer,
        Some(key().address())
    );
}

#[test]
fn usage_receipts_round_trip_through_the_envelope() {
    let record = UsageRecord {
        session_id: "s1".into(),
        job_id: Some("42".into()),
        chain_id: Some(84532),
        model: "demo".into(),
        prompt_tokens: 5,
        completion_tokens: 12,
        response_sha256: hex::encode(&confide_core::crypto::sha256(b"answer")),
        client_address: key().address().to_checksum(),
        timestamp: NOW,
    };
    let json = SignedMessage::sign(record.clone(), &key(), options(NOW, Some(1)))
        .unwrap()
        .to_json();
    let received = RawSignedMessage::parse(&json).unwrap();
    received.verify(&VerifyPolicy::default(), NOW).unwrap();
    assert_eq!(received.payload::<UsageRecord>().unwrap(), record);
    assert_code(received.payload::<LlmResponse>(), ErrorCode::InvalidMessage);
}
