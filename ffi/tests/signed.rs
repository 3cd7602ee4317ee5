//! Signed messages: sign (key or callback), verify (stateless or with a replay guard), and errors.

mod common;

use std::ffi::CStr;
use std::ptr;

use common::*;
use confide_ffi::codes::{
    CONFIDE_VERIFY_WARNING_UNBOUND_METADATA, CONFIDE_VERIFY_WARNING_UNSIGNED,
};
use confide_ffi::keys::*;
use confide_ffi::signed::*;
use confide_ffi::{ConfideErrorCode, ConfideMessageScheme, ConfideVerifyPolicy};

const PAYLOAD: &str = r#"{"model":"demo","prompt":"hi"}"#;

fn sign(
    key: *const ConfideSecretKey,
    timestamp: u64,
    nonce: Option<u64>,
    scheme: u32,
) -> Result<String, Failure> {
    let mut envelope = ptr::null_mut();
    let nonce_ptr = nonce.as_ref().map_or(ptr::null(), |n| n as *const u64);
    let error = unsafe {
        confide_signed_message_sign(
            c(PAYLOAD).as_ptr(),
            key,
            timestamp,
            nonce_ptr,
            scheme,
            &mut envelope,
        )
    };
    if error.is_null() {
        Ok(take_string(envelope))
    } else {
        assert!(envelope.is_null());
        Err(take_error(error))
    }
}

/// (signer, bound, scheme, warnings, payload JSON)
type Outcome = (Option<String>, bool, ConfideMessageScheme, u32, String);

fn read_verified(verified: *mut ConfideVerified) -> Outcome {
    let outcome = unsafe {
        let v = &*verified;
        (
            (!v.signer.is_null()).then(|| CStr::from_ptr(v.signer).to_str().unwrap().to_owned()),
            v.bound,
            v.scheme,
            v.warnings,
            CStr::from_ptr(v.payload_json).to_str().unwrap().to_owned(),
        )
    };
    unsafe { confide_verified_free(verified) };
    outcome
}

fn verify(
    envelope: &str,
    policy: Option<&ConfideVerifyPolicy>,
    now: u64,
) -> Result<Outcome, Failure> {
    let mut verified = ptr::null_mut();
    let error = unsafe {
        confide_signed_message_verify(
            c(envelope).as_ptr(),
            policy.map_or(ptr::null(), |p| p as *const _),
            now,
            &mut verified,
        )
    };
    if error.is_null() {
        Ok(read_verified(verified))
    } else {
        assert!(verified.is_null());
        Err(take_error(error))
    }
}

#[test]
fn confide_v1_round_trip_binds_signer_timestamp_and_nonce() {
    let wallet = key(WALLET_HEX);
    let envelope = sign(wallet, NOW, Some(7), ConfideMessageScheme::ConfideV1 as u32).unwrap();
    let json: serde_json::Value = serde_json::from_str(&envelope).unwrap();
    assert_eq!(json["scheme"], "confide-v1");
    assert_eq!(json["nonce"], 7);
    assert_eq!(json["signer"], WALLET_ADDRESS);
    let (signer, bound, scheme, warnings, payload) = verify(&envelope, None, NOW + 10).unwrap();
    assert_eq!(signer.as_deref(), Some(WALLET_ADDRESS));
    assert!(bound);
    assert_eq!(scheme, ConfideMessageScheme::ConfideV1);
    assert_eq!(warnings, 0);
    assert_eq!(payload, PAYLOAD);
    // Changing the (bound) timestamp breaks the signature.
    let mut moved = json.clone();
    moved["timestamp"] = (NOW + 1).into();
    assert_eq!(
        verify(&moved.to_string(), None, NOW + 10).unwrap_err().name,
        "INVALID_SIGNER"
    );
    unsafe { confide_secret_key_free(wallet) };
}

#[test]
fn lloom_v1_is_unbound_and_says_so() {
    let wallet = key(WALLET_HEX);
    let envelope = sign(wallet, NOW, None, ConfideMessageScheme::LloomV1 as u32).unwrap();
    let (signer, bound, scheme, warnings, _) = verify(&envelope, None, NOW).unwrap();
    assert_eq!(signer.as_deref(), Some(WALLET_ADDRESS));
    assert!(!bound);
    assert_eq!(scheme, ConfideMessageScheme::LloomV1);
    assert_ne!(warnings & CONFIDE_VERIFY_WARNING_UNBOUND_METADATA, 0);
    // A policy requiring a bound scheme refuses it.
    let mut policy = ConfideVerifyPolicy {
        max_age_secs: 0,
        max_future_skew_secs: 0,
        require_signatures: false,
        require_bound_scheme: false,
    };
    ok(unsafe { confide_verify_policy_default(&mut policy) });
    assert_eq!(
        (policy.max_age_secs, policy.max_future_skew_secs),
        (300, 300)
    );
    assert!(policy.require_signatures && !policy.require_bound_scheme);
    fails_on_argument(
        unsafe { confide_verify_policy_default(ptr::null_mut()) },
        "out_policy",
    );
    policy.require_bound_scheme = true;
    assert_eq!(
        verify(&envelope, Some(&policy), NOW).unwrap_err().name,
        "UNSUPPORTED_SCHEME"
    );
    unsafe { confide_secret_key_free(wallet) };
}

#[test]
fn time_window_and_unsigned_policy() {
    let wallet = key(WALLET_HEX);
    let envelope = sign(wallet, NOW, Some(1), 0).unwrap();
    assert_eq!(
        verify(&envelope, None, NOW + 301).unwrap_err().name,
        "MESSAGE_EXPIRED"
    );
    assert_eq!(
        verify(&envelope, None, NOW - 301).unwrap_err().name,
        "MESSAGE_FROM_FUTURE"
    );
    let unsigned = format!(r#"{{"payload":{PAYLOAD},"timestamp":{NOW},"scheme":"confide-v1"}}"#);
    assert_eq!(
        verify(&unsigned, None, NOW).unwrap_err().name,
        "UNSIGNED_MESSAGE"
    );
    let lenient = ConfideVerifyPolicy {
        max_age_secs: 300,
        max_future_skew_secs: 300,
        require_signatures: false,
        require_bound_scheme: false,
    };
    let (signer, _, _, warnings, _) = verify(&unsigned, Some(&lenient), NOW).unwrap();
    assert!(signer.is_none());
    assert_ne!(warnings & CONFIDE_VERIFY_WARNING_UNSIGNED, 0);
    unsafe { confide_secret_key_free(wallet) };
}

fn new_verifier(
    policy: Option<&ConfideVerifyPolicy>,
    capacity: usize,
) -> Result<*mut ConfideVerifier, Failure> {
    let mut verifier = ptr::null_mut();
    let error = unsafe {
        confide_verifier_new(
            policy.map_or(ptr::null(), |p| p as *const _),
            capacity,
            &mut verifier,
        )
    };
    if error.is_null() {
        assert!(!verifier.is_null());
        Ok(verifier)
    } else {
        assert!(verifier.is_null());
        Err(take_error(error))
    }
}

fn verifier_verify(
    verifier: *mut ConfideVerifier,
    envelope: &str,
    now: u64,
) -> Result<Outcome, Failure> {
    let mut verified = ptr::null_mut();
    let error =
        unsafe { confide_verifier_verify(verifier, c(envelope).as_ptr(), now, &mut verified) };
    if error.is_null() {
        Ok(read_verified(verified))
    } else {
        assert!(verified.is_null());
        Err(take_error(error))
    }
}

#[test]
fn verifier_rejects_a_replay() {
    let wallet = key(WALLET_HEX);
    let envelope = sign(wallet, NOW, Some(9), 0).unwrap();
    let verifier = new_verifier(None, 16).unwrap();
    assert_eq!(
        verifier_verify(verifier, &envelope, NOW)
            .unwrap()
            .0
            .as_deref(),
        Some(WALLET_ADDRESS)
    );
    assert_eq!(
        verifier_verify(verifier, &envelope, NOW + 1)
            .unwrap_err()
            .name,
        "REPLAY_DETECTED"
    );
    let mut verified = ptr::null_mut();
    fails_on_argument(
        unsafe {
            confide_verifier_verify(ptr::null_mut(), c(&envelope).as_ptr(), NOW, &mut verified)
        },
        "verifier",
    );
    fails_on_argument(
        unsafe { confide_verifier_new(ptr::null(), 16, ptr::null_mut()) },
        "out_verifier",
    );
    unsafe {
        confide_verifier_free(verifier);
        confide_secret_key_free(wallet);
    }
}

#[test]
fn a_full_verifier_fails_closed() {
    let wallet = key(WALLET_HEX);
    let first = sign(wallet, NOW, Some(1), 0).unwrap();
    let second = sign(wallet, NOW, Some(2), 0).unwrap();
    let verifier = new_verifier(None, 1).unwrap();
    verifier_verify(verifier, &first, NOW).unwrap();
    let failure = verifier_verify(verifier, &second, NOW).unwrap_err();
    assert_eq!(failure.name, "RATE_LIMITED");
    assert_eq!(failure.message, "replay memory is full; try again later");
    // The first envelope was not forgotten to make room.
    assert_eq!(
        verifier_verify(verifier, &first, NOW + 1).unwrap_err().name,
        "REPLAY_DETECTED"
    );
    // It expires at NOW + 301, which frees the slot (for an envelope still inside its window).
    let later = sign(wallet, NOW + 301, Some(2), 0).unwrap();
    verifier_verify(verifier, &later, NOW + 301).unwrap();
    unsafe {
        confide_verifier_free(verifier);
        confide_secret_key_free(wallet);
    }
}

#[test]
fn verifier_capacity_zero_is_the_cores_invalid_argument() {
    let failure = new_verifier(None, 0).unwrap_err();
    assert_eq!(failure.code, ConfideErrorCode::InvalidArgument as u32);
    assert!(
        failure.message.contains("`capacity`"),
        "{}",
        failure.message
    );
}

#[test]
fn policy_windows_above_seven_days_are_invalid_argument() {
    let wallet = key(WALLET_HEX);
    let envelope = sign(wallet, NOW, Some(1), 0).unwrap();
    let mut widest = ConfideVerifyPolicy {
        max_age_secs: 0,
        max_future_skew_secs: 0,
        require_signatures: false,
        require_bound_scheme: false,
    };
    ok(unsafe { confide_verify_policy_default(&mut widest) });
    widest.max_age_secs = 604_800;
    widest.max_future_skew_secs = 604_800;
    verify(&envelope, Some(&widest), NOW).unwrap();
    unsafe { confide_verifier_free(new_verifier(Some(&widest), 1).unwrap()) };
    let too_old = ConfideVerifyPolicy {
        max_age_secs: u64::MAX,
        ..widest
    };
    let too_far_ahead = ConfideVerifyPolicy {
        max_future_skew_secs: u64::MAX,
        ..widest
    };
    let just_over = ConfideVerifyPolicy {
        max_age_secs: 604_801,
        ..widest
    };
    for (policy, field) in [
        (too_old, "max_age_secs"),
        (too_far_ahead, "max_future_skew_secs"),
        (just_over, "max_age_secs"),
    ] {
        for failure in [
            verify(&envelope, Some(&policy), NOW).unwrap_err(),
            new_verifier(Some(&policy), 16).unwrap_err(),
        ] {
            assert_eq!(failure.name, "INVALID_ARGUMENT");
            assert!(
                failure.message.contains(&format!("`{field}`")),
                "{}",
                failure.message
            );
        }
    }
    unsafe { confide_secret_key_free(wallet) };
}

#[test]
fn sign_checks_arguments() {
    let wallet = key(WALLET_HEX);
    let failure = sign(wallet, NOW, None, 5).unwrap_err();
    assert_eq!(failure.code, ConfideErrorCode::InvalidArgument as u32);
    assert!(failure.message.contains("`scheme`"));
    let mut envelope = ptr::null_mut();
    fails_on_argument(
        unsafe {
            confide_signed_message_sign(ptr::null(), wallet, NOW, ptr::null(), 0, &mut envelope)
        },
        "payload_json",
    );
    fails_on_argument(
        unsafe {
            confide_signed_message_sign(
                c(PAYLOAD).as_ptr(),
                ptr::null(),
                NOW,
                ptr::null(),
                0,
                &mut envelope,
            )
        },
        "key",
    );
    fails(
        unsafe {
            confide_signed_message_sign(
                c("{not json").as_ptr(),
                wallet,
                NOW,
                ptr::null(),
                0,
                &mut envelope,
            )
        },
        ConfideErrorCode::InvalidMessage,
    );
    assert!(envelope.is_null());
    let mut verified = ptr::null_mut();
    fails_on_argument(
        unsafe { confide_signed_message_verify(ptr::null(), ptr::null(), NOW, &mut verified) },
        "envelope_json",
    );
    assert_eq!(
        verify("garbage", None, NOW).unwrap_err().name,
        "INVALID_MESSAGE"
    );
    unsafe { confide_secret_key_free(wallet) };
}

fn sign_with_callback(
    address: Option<&str>,
    declines: bool,
    scheme: ConfideMessageScheme,
    wallet: *mut ConfideSecretKey,
) -> Result<String, Failure> {
    let address = address.map(c);
    let mut envelope = ptr::null_mut();
    let callback = if declines {
        sign_declines
    } else {
        sign_with_key
    };
    let error = unsafe {
        confide_signed_message_sign_with_signer(
            c(PAYLOAD).as_ptr(),
            address.as_ref().map_or(ptr::null(), |a| a.as_ptr()),
            Some(callback),
            wallet.cast(),
            NOW,
            &3,
            scheme as u32,
            &mut envelope,
        )
    };
    if error.is_null() {
        Ok(take_string(envelope))
    } else {
        assert!(envelope.is_null());
        Err(take_error(error))
    }
}

#[test]
fn sign_with_a_callback() {
    let wallet = key(WALLET_HEX);
    let envelope = sign_with_callback(
        Some(WALLET_ADDRESS),
        false,
        ConfideMessageScheme::ConfideV1,
        wallet,
    )
    .unwrap();
    assert_eq!(
        verify(&envelope, None, NOW).unwrap().0.as_deref(),
        Some(WALLET_ADDRESS)
    );
    // The callback signs with another key than the address claims.
    let other = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A";
    assert_eq!(
        sign_with_callback(Some(other), false, ConfideMessageScheme::ConfideV1, wallet)
            .unwrap_err()
            .name,
        "INVALID_SIGNER"
    );
    // The callback declines.
    let failure = sign_with_callback(
        Some(WALLET_ADDRESS),
        true,
        ConfideMessageScheme::ConfideV1,
        wallet,
    )
    .unwrap_err();
    assert_eq!(failure.name, "INVALID_SIGNATURE");
    // confide-v1 binds the signer, so it needs the address; lloom-v1 learns it from the signature.
    assert_eq!(
        sign_with_callback(None, false, ConfideMessageScheme::ConfideV1, wallet)
            .unwrap_err()
            .name,
        "INVALID_KEY"
    );
    let lloom = sign_with_callback(None, false, ConfideMessageScheme::LloomV1, wallet).unwrap();
    assert_eq!(
        verify(&lloom, None, NOW).unwrap().0.as_deref(),
        Some(WALLET_ADDRESS)
    );
    // A malformed address.
    assert_eq!(
        sign_with_callback(
            Some("0x1234"),
            false,
            ConfideMessageScheme::ConfideV1,
            wallet
        )
        .unwrap_err()
        .name,
        "INVALID_KEY"
    );
    // No callback at all.
    let mut envelope = ptr::null_mut();
    fails_on_argument(
        unsafe {
            confide_signed_message_sign_with_signer(
                c(PAYLOAD).as_ptr(),
                c(WALLET_ADDRESS).as_ptr(),
                None,
                ptr::null_mut(),
                NOW,
                ptr::null(),
                0,
                &mut envelope,
            )
        },
        "sign",
    );
    unsafe { confide_secret_key_free(wallet) };
}
