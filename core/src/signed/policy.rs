//! Verification policy, its result, and a verifier that adds the replay guard.

use sha3::{Digest, Keccak256};

use super::envelope::RawSignedMessage;
use super::replay_guard::ReplayGuard;
use super::scheme::MessageScheme;
use crate::crypto::Address;
use crate::error::{Error, ErrorCode, Result};

/// What a verifier accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// Reject (bound schemes) or warn (lloom-v1) when older than this many seconds. Default 300.
    pub max_age_secs: u64,
    /// Reject (bound) or warn (lloom-v1) when dated more than this many seconds ahead. Default 300.
    pub max_future_skew_secs: u64,
    /// Reject unsigned envelopes (`UNSIGNED_MESSAGE`). Default true; false is the seed's transition
    /// rule (accept with a warning).
    pub require_signatures: bool,
    /// Reject schemes that do not bind timestamp, nonce and signer (`UNSUPPORTED_SCHEME` for
    /// lloom-v1). Default false (interoperate with Lloom).
    pub require_bound_scheme: bool,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        Self {
            max_age_secs: 300,
            max_future_skew_secs: 300,
            require_signatures: true,
            require_bound_scheme: false,
        }
    }
}

/// Something acceptable but worth logging.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyWarning {
    /// The envelope is unsigned (accepted because the policy allows it).
    Unsigned,
    /// lloom-v1: timestamp and nonce are not covered by the signature, so they prove nothing.
    UnboundMetadata,
    /// lloom-v1: the (unauthenticated) timestamp lies outside the window.
    TimestampOutsideWindow,
}

/// A verified envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The signer (`None` for an accepted unsigned envelope).
    pub signer: Option<Address>,
    /// Whether timestamp, nonce and signer are bound by the signature.
    pub bound: bool,
    /// The scheme used.
    pub scheme: MessageScheme,
    /// Warnings for the log.
    pub warnings: Vec<VerifyWarning>,
}

impl RawSignedMessage {
    /// Verifies signature and time window under `policy` at `now` (Unix seconds). Stateless: use a
    /// [`Verifier`] to add replay protection.
    pub fn verify(&self, policy: &VerifyPolicy, now: u64) -> Result<Verified> {
        self.verify_inner(policy, now).map(|(verified, _)| verified)
    }

    fn verify_inner(
        &self,
        policy: &VerifyPolicy,
        now: u64,
    ) -> Result<(Verified, Option<[u8; 32]>)> {
        if !self.is_signed() {
            if policy.require_signatures {
                return Err(Error::new(
                    ErrorCode::UnsignedMessage,
                    "message is unsigned and the policy requires signatures",
                ));
            }
            let verified = Verified {
                signer: None,
                bound: false,
                scheme: self.scheme()?,
                warnings: vec![VerifyWarning::Unsigned],
            };
            return Ok((verified, None));
        }
        let scheme = self.scheme()?;
        if policy.require_bound_scheme && !scheme.is_bound() {
            return Err(Error::new(
                ErrorCode::UnsupportedScheme,
                format!(
                    "scheme {scheme} does not bind timestamp and nonce; the policy requires one that does"
                ),
            ));
        }
        let recovered = self.recover_signer()?;
        let mut warnings = Vec::new();
        if let Err(err) = check_window(policy, self.timestamp(), now) {
            if scheme.is_bound() {
                return Err(err);
            }
            warnings.push(VerifyWarning::TimestampOutsideWindow);
        }
        if !scheme.is_bound() {
            warnings.push(VerifyWarning::UnboundMetadata);
        }
        let replay_key = match (scheme.is_bound(), self.nonce()) {
            (true, Some(nonce)) => signer_nonce_key(&recovered.signer, nonce),
            _ => recovered.digest,
        };
        let verified = Verified {
            signer: Some(recovered.signer),
            bound: scheme.is_bound(),
            scheme,
            warnings,
        };
        Ok((verified, Some(replay_key)))
    }
}

fn check_window(policy: &VerifyPolicy, timestamp: u64, now: u64) -> Result<()> {
    if now.saturating_sub(timestamp) > policy.max_age_secs {
        return Err(Error::new(
            ErrorCode::MessageExpired,
            format!(
                "message is {} s old; the limit is {} s",
                now - timestamp,
                policy.max_age_secs
            ),
        ));
    }
    if timestamp.saturating_sub(now) > policy.max_future_skew_secs {
        return Err(Error::new(
            ErrorCode::MessageFromFuture,
            format!(
                "message is dated {} s ahead; the limit is {} s",
                timestamp - now,
                policy.max_future_skew_secs
            ),
        ));
    }
    Ok(())
}

/// Replay key of a bound message with a nonce: keccak256(signer ‖ nonce).
fn signer_nonce_key(signer: &Address, nonce: u64) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(signer.as_bytes());
    hasher.update(nonce.to_be_bytes());
    hasher.finalize().into()
}

/// A policy plus a replay guard: verifies envelopes and rejects a repeat inside the window
/// (`REPLAY_DETECTED`). Replays are keyed by (signer, nonce) for bound envelopes with a nonce, and by
/// the signed digest otherwise.
#[derive(Clone, Debug)]
pub struct Verifier {
    policy: VerifyPolicy,
    guard: ReplayGuard,
}

impl Verifier {
    /// Default guard capacity: 100,000 remembered messages.
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A verifier with the default guard capacity.
    pub fn new(policy: VerifyPolicy) -> Self {
        Self::with_capacity(policy, Self::DEFAULT_CAPACITY)
    }

    /// A verifier whose guard remembers at most `capacity` messages.
    pub fn with_capacity(policy: VerifyPolicy, capacity: usize) -> Self {
        Self {
            policy,
            guard: ReplayGuard::new(capacity),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &VerifyPolicy {
        &self.policy
    }

    /// Verifies `envelope` at `now` and records it against replays.
    pub fn verify(&mut self, envelope: &RawSignedMessage, now: u64) -> Result<Verified> {
        let (verified, replay_key) = envelope.verify_inner(&self.policy, now)?;
        if let Some(key) = replay_key {
            // Remember a message until it could no longer pass the window check.
            let window = self.policy.max_age_secs + self.policy.max_future_skew_secs;
            let expires_at = if verified.bound {
                envelope
                    .timestamp()
                    .saturating_add(self.policy.max_age_secs + 1)
            } else {
                now.saturating_add(window + 1)
            };
            self.guard.check_and_record(key, expires_at, now)?;
        }
        Ok(verified)
    }

    /// Number of messages the guard remembers.
    pub fn remembered(&self) -> usize {
        self.guard.len()
    }
}
