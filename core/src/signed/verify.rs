//! Stateless verification of an envelope: policy, signature, time window, and the replay ticket a
//! guard records.

use sha3::{Digest, Keccak256};

use super::envelope::RawSignedMessage;
use super::policy::{Verified, VerifyPolicy, VerifyWarning};
use super::replay_guard::ReplayTicket;
use crate::crypto::Address;
use crate::error::{Error, ErrorCode, Result};

impl RawSignedMessage {
    /// Verifies signature and time window under `policy` at `now` (Unix seconds). Stateless: use a
    /// [`Verifier`](super::Verifier) to add replay protection.
    pub fn verify(&self, policy: &VerifyPolicy, now: u64) -> Result<Verified> {
        self.verify_unrecorded(policy, now)
            .map(|(verified, _)| verified)
    }

    /// Verifies like [`Self::verify`] and returns the [`ReplayTicket`] to record in a
    /// [`ReplayGuard`](super::ReplayGuard) once the caller's own checks have passed (`None` for
    /// an unsigned envelope the policy accepts: it proves nothing worth remembering). Stateless,
    /// so no lock is needed. An invalid `policy` is `INVALID_ARGUMENT` ([`VerifyPolicy::validate`]).
    ///
    /// The ticket's key is keccak256(signer ‖ nonce) for a bound envelope with a nonce, the signed
    /// digest otherwise; it expires when the envelope could no longer pass the window check
    /// (timestamp + max age + 1 for bound envelopes, now + max age + max future skew + 1
    /// otherwise).
    pub fn verify_unrecorded(
        &self,
        policy: &VerifyPolicy,
        now: u64,
    ) -> Result<(Verified, Option<ReplayTicket>)> {
        policy.validate()?;
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
        let bound = scheme.is_bound();
        if policy.require_bound_scheme && !bound {
            return Err(Error::new(
                ErrorCode::UnsupportedScheme,
                format!(
                    "scheme {scheme} does not bind timestamp and nonce; the policy requires one that does"
                ),
            ));
        }
        let recovered = self.recover_signer()?;
        let mut warnings = Vec::new();
        if let Err(err) = policy.check_window(self.timestamp(), now) {
            if bound {
                return Err(err);
            }
            warnings.push(VerifyWarning::TimestampOutsideWindow);
        }
        if !bound {
            warnings.push(VerifyWarning::UnboundMetadata);
        }
        let key = match (bound, self.nonce()) {
            (true, Some(nonce)) => signer_nonce_key(&recovered.signer, nonce),
            _ => recovered.digest,
        };
        let ticket = ReplayTicket::new(key, policy.replay_expiry(bound, self.timestamp(), now));
        let verified = Verified {
            signer: Some(recovered.signer),
            bound,
            scheme,
            warnings,
        };
        Ok((verified, Some(ticket)))
    }
}

/// Replay key of a bound message with a nonce: keccak256(signer ‖ nonce).
fn signer_nonce_key(signer: &Address, nonce: u64) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(signer.as_bytes());
    hasher.update(nonce.to_be_bytes());
    hasher.finalize().into()
}
