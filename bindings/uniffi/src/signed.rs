//! Signed messages (SIGNED_MESSAGES.md): sign a JSON payload into a `SignedMessage` envelope (with
//! a secret key or a wallet in the app's language), and verify an envelope against a policy at
//! `now`, either statelessly (`verify_message`) or with a replay guard (`Verifier`).

use std::sync::{Arc, Mutex, PoisonError};

use confide_core::crypto::Signer;
use confide_core::signed::{self, RawSignedMessage, SignOptions};

use crate::error::{Result, invalid_argument};
use crate::keys::SecretKey;
use crate::offload;
use crate::signer::{ForeignSigner, WalletSigner};

/// How an envelope is signed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, uniffi::Enum)]
pub enum MessageScheme {
    /// Binds timestamp, nonce and signer into the signature (the default).
    #[default]
    ConfideV1,
    /// The deployed Lloom network's scheme: only the payload is signed.
    LloomV1,
}

impl From<MessageScheme> for signed::MessageScheme {
    fn from(scheme: MessageScheme) -> Self {
        match scheme {
            MessageScheme::ConfideV1 => Self::ConfideV1,
            MessageScheme::LloomV1 => Self::LloomV1,
        }
    }
}

impl From<signed::MessageScheme> for MessageScheme {
    fn from(scheme: signed::MessageScheme) -> Self {
        match scheme {
            signed::MessageScheme::ConfideV1 => Self::ConfideV1,
            signed::MessageScheme::LloomV1 => Self::LloomV1,
        }
    }
}

/// What a verification accepts; `None` keeps the default (in brackets). A window above 604,800 s
/// (7 days) is `INVALID_ARGUMENT`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct VerifyPolicy {
    /// Reject (confide-v1) or warn (lloom-v1) when older than this many seconds [300].
    #[uniffi(default = None)]
    pub max_age_secs: Option<u64>,
    /// Reject (confide-v1) or warn (lloom-v1) when dated more than this many seconds ahead [300].
    #[uniffi(default = None)]
    pub max_future_skew_secs: Option<u64>,
    /// Reject unsigned envelopes (`UNSIGNED_MESSAGE`); false accepts them with a warning [true].
    #[uniffi(default = None)]
    pub require_signatures: Option<bool>,
    /// Reject lloom-v1 envelopes (`UNSUPPORTED_SCHEME`) [false].
    #[uniffi(default = None)]
    pub require_bound_scheme: Option<bool>,
}

impl VerifyPolicy {
    fn to_core(self) -> signed::VerifyPolicy {
        let d = signed::VerifyPolicy::default();
        signed::VerifyPolicy {
            max_age_secs: self.max_age_secs.unwrap_or(d.max_age_secs),
            max_future_skew_secs: self.max_future_skew_secs.unwrap_or(d.max_future_skew_secs),
            require_signatures: self.require_signatures.unwrap_or(d.require_signatures),
            require_bound_scheme: self.require_bound_scheme.unwrap_or(d.require_bound_scheme),
        }
    }
}

/// Acceptable but worth logging.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum VerifyWarning {
    /// The envelope is unsigned (accepted because the policy allows it).
    Unsigned,
    /// lloom-v1: timestamp and nonce are not covered by the signature, so they prove nothing.
    UnboundMetadata,
    /// lloom-v1: the (unauthenticated) timestamp lies outside the window.
    TimestampOutsideWindow,
}

impl From<signed::VerifyWarning> for VerifyWarning {
    fn from(warning: signed::VerifyWarning) -> Self {
        match warning {
            signed::VerifyWarning::Unsigned => Self::Unsigned,
            signed::VerifyWarning::UnboundMetadata => Self::UnboundMetadata,
            signed::VerifyWarning::TimestampOutsideWindow => Self::TimestampOutsideWindow,
        }
    }
}

/// A verified envelope.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Verified {
    /// The signer's EIP-55 address (`None` for an unsigned envelope the policy accepted).
    pub signer: Option<String>,
    /// Whether timestamp, nonce and signer are bound by the signature (confide-v1).
    pub bound: bool,
    /// The scheme used.
    pub scheme: MessageScheme,
    /// Warnings for the log.
    pub warnings: Vec<VerifyWarning>,
    /// The payload JSON exactly as it appears in the envelope.
    pub payload_json: String,
}

impl Verified {
    fn new(verified: signed::Verified, envelope: &RawSignedMessage) -> Self {
        Self {
            signer: verified.signer.map(|a| a.to_checksum()),
            bound: verified.bound,
            scheme: verified.scheme.into(),
            warnings: verified.warnings.into_iter().map(Into::into).collect(),
            payload_json: envelope.payload_json().to_owned(),
        }
    }
}

/// Signs `payload_json` (signed byte for byte; not JSON: `INVALID_MESSAGE`) at `timestamp` (Unix
/// seconds) with `key`, with an optional `nonce` (bound by confide-v1, used against replays).
/// Returns the envelope JSON `{"payload","signer","signature","timestamp","nonce"?,"scheme"?}`.
#[uniffi::export(default(nonce = None, scheme = None))]
pub fn sign_message(
    payload_json: String,
    key: Arc<SecretKey>,
    timestamp: u64,
    nonce: Option<u64>,
    scheme: Option<MessageScheme>,
) -> Result<String> {
    sign(&payload_json, &key.key, timestamp, nonce, scheme)
}

/// `sign_message` by a wallet in the app's language. Its signature is checked against the
/// address it reports (`INVALID_SIGNER` on mismatch); confide-v1 binds the signer, so it needs
/// that address (`INVALID_KEY` without it); a refusal is `INVALID_SIGNATURE`.
#[uniffi::export(default(nonce = None, scheme = None))]
pub fn sign_message_with_signer(
    payload_json: String,
    signer: Arc<dyn WalletSigner>,
    timestamp: u64,
    nonce: Option<u64>,
    scheme: Option<MessageScheme>,
) -> Result<String> {
    let signer = ForeignSigner::new(signer)?;
    sign(&payload_json, &signer, timestamp, nonce, scheme)
}

fn sign(
    payload_json: &str,
    signer: &dyn Signer,
    timestamp: u64,
    nonce: Option<u64>,
    scheme: Option<MessageScheme>,
) -> Result<String> {
    let options = SignOptions {
        timestamp,
        nonce,
        scheme: scheme.unwrap_or_default().into(),
    };
    Ok(RawSignedMessage::sign_json(payload_json, signer, options)?.to_json())
}

/// Verifies an envelope (JSON text) at `now` (Unix seconds) under `policy` (default: the
/// defaults): signature → signer (`INVALID_SIGNER`, `MALFORMED_SIGNATURE`) → time window
/// (`MESSAGE_EXPIRED`, `MESSAGE_FROM_FUTURE`) → policy (`UNSIGNED_MESSAGE`,
/// `UNSUPPORTED_SCHEME`). No replay guard (see `Verifier`).
#[uniffi::export(default(policy = None))]
pub fn verify_message(
    envelope_json: String,
    now: u64,
    policy: Option<VerifyPolicy>,
) -> Result<Verified> {
    verify(&envelope_json, now, policy.unwrap_or_default())
}

/// `verify_message` on a worker thread (a public-key recovery: about 0.1 ms of CPU).
#[uniffi::export(default(policy = None))]
pub async fn verify_message_async(
    envelope_json: String,
    now: u64,
    policy: Option<VerifyPolicy>,
) -> Result<Verified> {
    let policy = policy.unwrap_or_default();
    offload::run(move || verify(&envelope_json, now, policy)).await
}

fn verify(envelope_json: &str, now: u64, policy: VerifyPolicy) -> Result<Verified> {
    let envelope = RawSignedMessage::parse(envelope_json)?;
    let verified = envelope.verify(&policy.to_core(), now)?;
    Ok(Verified::new(verified, &envelope))
}

/// A verification policy plus a bounded replay guard: verifies envelopes like `verify_message`
/// and rejects a repeat inside the time window with `REPLAY_DETECTED` (same signer and nonce for
/// a confide-v1 envelope with a nonce, the same signed digest otherwise). The guard fails closed:
/// full of envelopes still inside their window, it refuses new ones with `RATE_LIMITED`. Keep one
/// per process (or per trust domain).
#[derive(uniffi::Object)]
pub struct Verifier {
    inner: Mutex<signed::Verifier>,
}

#[uniffi::export]
impl Verifier {
    /// A verifier with `policy` whose replay guard remembers at most `capacity` envelopes
    /// (default 100,000; 0 or a window above 7 days is `INVALID_ARGUMENT`).
    #[uniffi::constructor(default(policy = None, capacity = None))]
    pub fn new(policy: Option<VerifyPolicy>, capacity: Option<u64>) -> Result<Self> {
        let policy = policy.unwrap_or_default().to_core();
        let capacity = match capacity {
            None => signed::Verifier::DEFAULT_CAPACITY,
            Some(n) => usize::try_from(n).map_err(|_| invalid_argument("capacity", "too large"))?,
        };
        Ok(Self {
            inner: Mutex::new(signed::Verifier::with_capacity(policy, capacity)?),
        })
    }

    /// Verifies an envelope at `now` and records it: the checks and result of `verify_message`,
    /// plus `REPLAY_DETECTED` for an envelope already accepted within the window and
    /// `RATE_LIMITED` while the guard is full.
    pub fn verify(&self, envelope_json: String, now: u64) -> Result<Verified> {
        let envelope = RawSignedMessage::parse(&envelope_json)?;
        let verified = self.lock().verify(&envelope, now)?;
        Ok(Verified::new(verified, &envelope))
    }

    /// The number of envelopes the replay guard remembers.
    pub fn remembered(&self) -> u64 {
        self.lock().remembered() as u64
    }
}

impl Verifier {
    fn lock(&self) -> std::sync::MutexGuard<'_, signed::Verifier> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
