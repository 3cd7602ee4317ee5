//! Signed messages (SIGNED_MESSAGES.md): sign a JSON payload into an envelope, verify an envelope
//! against a policy at `now` (statelessly, or with a replay guard in a `ConfideVerifier`).

use std::ffi::{c_char, c_void};

use confide_core::Error;
use confide_core::crypto::{Address, Signer};
use confide_core::signed::{
    RawSignedMessage, SignOptions, Verified, Verifier, VerifyPolicy, VerifyWarning,
};

use crate::args::{self, OutValue};
use crate::boundary;
use crate::buffer::{self, c_string, opt_c_string};
use crate::codes::{
    CONFIDE_VERIFY_WARNING_TIMESTAMP_OUTSIDE_WINDOW, CONFIDE_VERIFY_WARNING_UNBOUND_METADATA,
    CONFIDE_VERIFY_WARNING_UNSIGNED, ConfideMessageScheme, message_scheme, message_scheme_value,
};
use crate::error::ConfideError;
use crate::keys::ConfideSecretKey;
use crate::signer::{CallbackSigner, ConfideSignCallback};

/// What a verifier accepts. `confide_verify_policy_default` gives 300 s maximum age, 300 s future
/// skew, signatures required, lloom-v1 allowed. A window above 604,800 s (7 days) is
/// `INVALID_ARGUMENT` naming the field, wherever the policy is passed.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfideVerifyPolicy {
    /// Reject (confide-v1) or warn (lloom-v1) when older than this many seconds (at most
    /// 604,800).
    pub max_age_secs: u64,
    /// Reject (confide-v1) or warn (lloom-v1) when dated more than this many seconds ahead (at
    /// most 604,800).
    pub max_future_skew_secs: u64,
    /// Reject unsigned envelopes (`UNSIGNED_MESSAGE`); false accepts them with a warning.
    pub require_signatures: bool,
    /// Reject lloom-v1 envelopes (`UNSUPPORTED_SCHEME`), whose timestamp and nonce are not signed.
    pub require_bound_scheme: bool,
}

impl OutValue for ConfideVerifyPolicy {
    const EMPTY: Self = Self {
        max_age_secs: 0,
        max_future_skew_secs: 0,
        require_signatures: false,
        require_bound_scheme: false,
    };
}

impl From<&ConfideVerifyPolicy> for VerifyPolicy {
    fn from(policy: &ConfideVerifyPolicy) -> Self {
        Self {
            max_age_secs: policy.max_age_secs,
            max_future_skew_secs: policy.max_future_skew_secs,
            require_signatures: policy.require_signatures,
            require_bound_scheme: policy.require_bound_scheme,
        }
    }
}

/// A verified envelope. Free with `confide_verified_free` (not its strings one by one).
#[repr(C)]
#[derive(Debug)]
pub struct ConfideVerified {
    /// The signer's EIP-55 address, or NULL for an unsigned envelope the policy accepted.
    pub signer: *mut c_char,
    /// Whether timestamp, nonce and signer are bound by the signature (confide-v1).
    pub bound: bool,
    /// The scheme used.
    pub scheme: ConfideMessageScheme,
    /// `CONFIDE_VERIFY_WARNING_*` bits: acceptable, but worth logging.
    pub warnings: u32,
    /// The payload JSON exactly as it appears in the envelope.
    pub payload_json: *mut c_char,
}

impl ConfideVerified {
    fn new(verified: &Verified, envelope: &RawSignedMessage) -> Self {
        let warnings = verified
            .warnings
            .iter()
            .map(|warning| match warning {
                VerifyWarning::Unsigned => CONFIDE_VERIFY_WARNING_UNSIGNED,
                VerifyWarning::UnboundMetadata => CONFIDE_VERIFY_WARNING_UNBOUND_METADATA,
                VerifyWarning::TimestampOutsideWindow => {
                    CONFIDE_VERIFY_WARNING_TIMESTAMP_OUTSIDE_WINDOW
                }
            })
            .fold(0, |bits, bit| bits | bit);
        Self {
            signer: opt_c_string(verified.signer.map(|a| a.to_checksum()).as_deref()),
            bound: verified.bound,
            scheme: message_scheme_value(verified.scheme),
            warnings,
            payload_json: c_string(envelope.payload_json()),
        }
    }
}

/// A verifier with a bounded replay guard: like `confide_signed_message_verify`, and an envelope
/// seen before within the time window is `REPLAY_DETECTED`. When the guard is full of envelopes
/// still inside their window it fails closed: new envelopes are `RATE_LIMITED` until some expire.
///
/// Not thread-safe: calls on one verifier must not overlap (guard it with a mutex). It may be
/// moved between threads.
pub struct ConfideVerifier(Verifier);

/// Signs with `scheme` for `payload_json` and the shared options.
fn sign_json(
    payload_json: &str,
    signer: &dyn Signer,
    timestamp: u64,
    nonce: Option<u64>,
    scheme: u32,
) -> Result<String, Error> {
    let options = SignOptions {
        timestamp,
        nonce,
        scheme: message_scheme(scheme)?,
    };
    Ok(RawSignedMessage::sign_json(payload_json, signer, options)?.to_json())
}

/// The default verification policy (300 s maximum age and future skew, signatures required,
/// lloom-v1 allowed).
///
/// # Safety
/// `out_policy` is valid for writing a `ConfideVerifyPolicy`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_verify_policy_default(
    out_policy: *mut ConfideVerifyPolicy,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contract.
        let out_policy = unsafe { args::out(out_policy, "out_policy")? };
        let defaults = VerifyPolicy::default();
        *out_policy = ConfideVerifyPolicy {
            max_age_secs: defaults.max_age_secs,
            max_future_skew_secs: defaults.max_future_skew_secs,
            require_signatures: defaults.require_signatures,
            require_bound_scheme: defaults.require_bound_scheme,
        };
        Ok(())
    })
}

/// Signs `payload_json` (any JSON value; its bytes are signed exactly as given, so pass compact
/// JSON) with `key` at `timestamp` (Unix seconds), with an optional `nonce` (NULL for none),
/// under `scheme` (a `ConfideMessageScheme`). Returns the envelope
/// `{"payload","signer","signature","timestamp","nonce"?,"scheme"?}`; free `*out_envelope` with
/// `confide_string_free`.
///
/// # Safety
/// `payload_json` is NULL or NUL-terminated; `key` is a live key; `nonce` is NULL or points to a
/// `uint64_t`; `out_envelope` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_signed_message_sign(
    payload_json: *const c_char,
    key: *const ConfideSecretKey,
    timestamp: u64,
    nonce: *const u64,
    scheme: u32,
    out_envelope: *mut *mut c_char,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_envelope, payload_json, key, nonce) = unsafe {
            (
                args::out(out_envelope, "out_envelope")?,
                args::str(payload_json, "payload_json")?,
                args::handle(key, "key")?,
                args::opt_u64(nonce),
            )
        };
        let envelope = sign_json(payload_json, &key.0, timestamp, nonce, scheme)?;
        *out_envelope = c_string(&envelope);
        Ok(())
    })
}

/// Like `confide_signed_message_sign`, but signed by `sign` (a wallet callback, see
/// `ConfideSignCallback`) on behalf of `signer_address` (EIP-55 or lowercase `0x…`). The
/// signature is checked against that address before it is used (`INVALID_SIGNER` otherwise).
/// `signer_address` may be NULL only for `lloom-v1`, which does not bind the signer (the address
/// is then recovered from the signature); confide-v1 without it is `INVALID_KEY`.
///
/// # Safety
/// As for `confide_signed_message_sign`; `signer_address` is NULL or NUL-terminated; `sign_ctx`
/// is whatever `sign` expects.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // a flat C signature; a params struct would add a type to free
pub unsafe extern "C" fn confide_signed_message_sign_with_signer(
    payload_json: *const c_char,
    signer_address: *const c_char,
    sign: ConfideSignCallback,
    sign_ctx: *mut c_void,
    timestamp: u64,
    nonce: *const u64,
    scheme: u32,
    out_envelope: *mut *mut c_char,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_envelope, payload_json, signer_address, nonce) = unsafe {
            (
                args::out(out_envelope, "out_envelope")?,
                args::str(payload_json, "payload_json")?,
                args::opt_str(signer_address, "signer_address")?,
                args::opt_u64(nonce),
            )
        };
        let address = signer_address.map(Address::parse).transpose()?;
        let signer = CallbackSigner::new(sign, sign_ctx, address, "sign")?;
        let envelope = sign_json(payload_json, &signer, timestamp, nonce, scheme)?;
        *out_envelope = c_string(&envelope);
        Ok(())
    })
}

/// Verifies an envelope (JSON text) at `now` under `policy` (NULL for the default), without replay
/// protection (use a `ConfideVerifier` for that): signature → signer (`INVALID_SIGNER`,
/// `MALFORMED_SIGNATURE`) → time window (`MESSAGE_EXPIRED`, `MESSAGE_FROM_FUTURE`) → policy
/// (`UNSIGNED_MESSAGE`, `UNSUPPORTED_SCHEME`). A policy window above 7 days is
/// `INVALID_ARGUMENT`. Free `*out_verified` with `confide_verified_free`.
///
/// # Safety
/// `envelope_json` is NULL or NUL-terminated; `policy` is NULL or points to a
/// `ConfideVerifyPolicy`; `out_verified` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_signed_message_verify(
    envelope_json: *const c_char,
    policy: *const ConfideVerifyPolicy,
    now: u64,
    out_verified: *mut *mut ConfideVerified,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_verified, envelope_json, policy) = unsafe {
            (
                args::out(out_verified, "out_verified")?,
                args::str(envelope_json, "envelope_json")?,
                args::opt_ref(policy),
            )
        };
        let policy = policy.map_or_else(VerifyPolicy::default, VerifyPolicy::from);
        let envelope = RawSignedMessage::parse(envelope_json)?;
        let verified = envelope.verify(&policy, now)?;
        *out_verified = args::into_handle(ConfideVerified::new(&verified, &envelope));
        Ok(())
    })
}

/// Frees a verification result and its strings. NULL is ignored.
///
/// # Safety
/// `verified` is NULL or came from a verify function, unmodified, not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_verified_free(verified: *mut ConfideVerified) {
    boundary::call_infallible((), || {
        if verified.is_null() {
            return;
        }
        // SAFETY: a live box from a verify function (caller's contract).
        let verified = unsafe { Box::from_raw(verified) };
        // SAFETY: both were made by `c_string` (or are NULL).
        unsafe {
            buffer::free_c_string(verified.signer);
            buffer::free_c_string(verified.payload_json);
        }
    });
}

/// A verifier with `policy` (NULL for the default) whose replay guard remembers at most
/// `capacity` envelopes (at least 1; 100,000, the core's default, takes at most about 16 MiB). A
/// policy window above 7 days or a `capacity` of 0 is `INVALID_ARGUMENT`. Free with
/// `confide_verifier_free`.
///
/// # Safety
/// `policy` is NULL or points to a `ConfideVerifyPolicy`; `out_verifier` is valid for writing a
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_verifier_new(
    policy: *const ConfideVerifyPolicy,
    capacity: usize,
    out_verifier: *mut *mut ConfideVerifier,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_verifier, policy) = unsafe {
            (
                args::out(out_verifier, "out_verifier")?,
                args::opt_ref(policy),
            )
        };
        let policy = policy.map_or_else(VerifyPolicy::default, VerifyPolicy::from);
        let verifier = Verifier::with_capacity(policy, capacity)?;
        *out_verifier = args::into_handle(ConfideVerifier(verifier));
        Ok(())
    })
}

/// Verifies an envelope like `confide_signed_message_verify` and records it: the same envelope
/// (same signer and nonce for confide-v1, same digest otherwise) within the window is
/// `REPLAY_DETECTED`, and a new one while the guard is full of live envelopes is `RATE_LIMITED`
/// (nothing is forgotten to make room). Rejected envelopes are not recorded. Free
/// `*out_verified` with `confide_verified_free`.
///
/// # Safety
/// `verifier` is a live verifier not used concurrently; `envelope_json` is NULL or
/// NUL-terminated; `out_verified` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_verifier_verify(
    verifier: *mut ConfideVerifier,
    envelope_json: *const c_char,
    now: u64,
    out_verified: *mut *mut ConfideVerified,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_verified, verifier, envelope_json) = unsafe {
            (
                args::out(out_verified, "out_verified")?,
                args::handle_mut(verifier, "verifier")?,
                args::str(envelope_json, "envelope_json")?,
            )
        };
        let envelope = RawSignedMessage::parse(envelope_json)?;
        let verified = verifier.0.verify(&envelope, now)?;
        *out_verified = args::into_handle(ConfideVerified::new(&verified, &envelope));
        Ok(())
    })
}

/// Frees a verifier. NULL is ignored.
///
/// # Safety
/// `verifier` is NULL or a verifier from this library that was not freed and that no call is
/// using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_verifier_free(verifier: *mut ConfideVerifier) {
    boundary::call_infallible((), || {
        // SAFETY: forwarded to the caller's contract.
        unsafe { args::free_handle(verifier) }
    });
}
