//! Signed-message envelopes (`RawSignedMessage`) under verification policies: the first byte picks
//! the mode and the policy (signatures required or not, bound scheme required or not, windows from
//! 0 to one above the maximum); the rest is either arbitrary envelope text, or the choices for a
//! real envelope signed over a fuzzer-chosen payload, timestamp, nonce and scheme, optionally with
//! one byte changed.
//!
//! Invariants (each an assertion that fails when broken): nothing panics; an envelope that parses
//! serialises to JSON that parses to the same envelope (same payload bytes, timestamp, nonce,
//! scheme) and serialises to the same bytes again; verification is deterministic and agrees on the
//! original and the round-tripped envelope (same result, same recovered signer, same error code);
//! an unmodified real envelope inside the policy's window verifies to its signer; a `Verifier`
//! accepts a signed envelope once and refuses the same envelope again (`REPLAY_DETECTED`); an
//! invalid policy is `INVALID_ARGUMENT`.

#![no_main]

use confide_core::ErrorCode;
use confide_core::signed::{MessageScheme, RawSignedMessage, SignOptions, Verifier, VerifyPolicy};
use confide_core_fuzz::{MemoWallet, key};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_732_200_000;

/// The policy the mode byte selects: bit 1 `require_signatures`, bit 2 `require_bound_scheme`,
/// bits 3–4 and 5–6 the age and future-skew windows (300 s, 0, the maximum, one above it).
fn policy(mode: u8) -> VerifyPolicy {
    let window = |bits: u8| match bits & 0b11 {
        0 => 300,
        1 => 0,
        2 => VerifyPolicy::MAX_WINDOW_SECS,
        _ => VerifyPolicy::MAX_WINDOW_SECS + 1,
    };
    VerifyPolicy {
        max_age_secs: window(mode >> 3),
        max_future_skew_secs: window(mode >> 5),
        require_signatures: mode & 0b10 != 0,
        require_bound_scheme: mode & 0b100 != 0,
    }
}

/// A real envelope, and whether it is still exactly as signed.
fn real_envelope(u: &mut Unstructured<'_>) -> Result<(String, bool, SignOptions)> {
    let payload =
        serde_json::json!({ "text": u.arbitrary::<String>()?, "n": u.arbitrary::<u32>()? });
    let options = SignOptions {
        timestamp: NOW.saturating_add_signed(u.int_in_range(-1000..=1000i64)?),
        nonce: u.arbitrary()?,
        scheme: *u.choose(&[MessageScheme::ConfideV1, MessageScheme::LloomV1])?,
    };
    let envelope = RawSignedMessage::sign_json(&payload.to_string(), &MemoWallet(0x22), options)
        .expect("a local key signs");
    let mut bytes = envelope.to_json().into_bytes();
    let intact = !u.arbitrary::<bool>()?;
    if !intact {
        let at = u.choose_index(bytes.len())?;
        bytes[at] ^= u.int_in_range(1..=255u8)?;
    }
    Ok((
        String::from_utf8_lossy(&bytes).into_owned(),
        intact,
        options,
    ))
}

fn check(text: &str, policy: &VerifyPolicy, real: Option<SignOptions>) {
    let Ok(envelope) = RawSignedMessage::parse(text) else {
        assert!(real.is_none(), "an intact real envelope parses");
        return;
    };
    let json = envelope.to_json();
    let again = RawSignedMessage::parse(&json).expect("a serialised envelope parses");
    assert_eq!(again.to_json(), json, "envelope changed in a round trip");
    assert_eq!(again.payload_json(), envelope.payload_json());
    assert_eq!(again.timestamp(), envelope.timestamp());
    assert_eq!(again.nonce(), envelope.nonce());
    assert_eq!(again.scheme().ok(), envelope.scheme().ok());

    let first = envelope.verify(policy, NOW);
    let second = envelope.verify(policy, NOW);
    let round_tripped = again.verify(policy, NOW);
    for other in [&second, &round_tripped] {
        match (&first, other) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "verification is stable"),
            (Err(a), Err(b)) => assert_eq!(a.code(), b.code(), "verification is stable"),
            _ => panic!("verification disagrees with itself"),
        }
    }
    if policy.validate().is_err() {
        assert_eq!(
            first.as_ref().map_err(|e| e.code()).err(),
            Some(ErrorCode::InvalidArgument)
        );
        return;
    }
    if let Some(options) = real {
        let in_window = options.timestamp + policy.max_age_secs >= NOW
            && options.timestamp <= NOW + policy.max_future_skew_secs;
        let allowed = !policy.require_bound_scheme || options.scheme == MessageScheme::ConfideV1;
        if allowed && (in_window || options.scheme == MessageScheme::LloomV1) {
            let verified = first.as_ref().expect("an intact real envelope verifies");
            assert_eq!(verified.signer, Some(key(0x22).public_key().address()));
        }
    }
    let mut verifier = Verifier::new(*policy).expect("a valid policy");
    if let Ok(verified) = verifier.verify(&envelope, NOW)
        && verified.signer.is_some()
    {
        let replay = verifier
            .verify(&envelope, NOW)
            .expect_err("a replay is refused");
        assert_eq!(replay.code(), ErrorCode::ReplayDetected);
    }
}

fuzz_target!(|data: &[u8]| {
    // The mode byte: bit 0 real envelope (else raw text), the rest the policy.
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let policy = policy(mode);
    if mode & 1 == 1 {
        if let Ok((text, intact, options)) = real_envelope(&mut Unstructured::new(rest)) {
            check(&text, &policy, intact.then_some(options));
        }
    } else if let Ok(text) = std::str::from_utf8(rest) {
        check(text, &policy, None);
    }
});
