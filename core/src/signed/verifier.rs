//! A verifier: a validated policy plus a replay guard.

use super::envelope::RawSignedMessage;
use super::policy::{Verified, VerifyPolicy};
use super::replay_guard::ReplayGuard;
use crate::error::Result;

/// A policy plus a replay guard: verifies envelopes and rejects a repeat inside the window
/// (`REPLAY_DETECTED`). Replays are keyed by (signer, nonce) for bound envelopes with a nonce, and by
/// the signed digest otherwise. When the guard is full of live entries a new envelope is refused
/// with `RATE_LIMITED` (see [`ReplayGuard`]).
///
/// Its policy is always valid ([`VerifyPolicy::validate`]) and its capacity at least 1.
#[derive(Clone, Debug)]
pub struct Verifier {
    policy: VerifyPolicy,
    guard: ReplayGuard,
}

impl Verifier {
    /// Default guard capacity: [`ReplayGuard::DEFAULT_CAPACITY`] remembered messages.
    pub const DEFAULT_CAPACITY: usize = ReplayGuard::DEFAULT_CAPACITY;

    /// A verifier with the default guard capacity: `INVALID_ARGUMENT` for an invalid policy
    /// ([`VerifyPolicy::validate`]).
    pub fn new(policy: VerifyPolicy) -> Result<Self> {
        Self::with_capacity(policy, Self::DEFAULT_CAPACITY)
    }

    /// A verifier whose guard remembers at most `capacity` messages: `INVALID_ARGUMENT` for an
    /// invalid policy ([`VerifyPolicy::validate`]) or a capacity of 0.
    pub fn with_capacity(policy: VerifyPolicy, capacity: usize) -> Result<Self> {
        policy.validate()?;
        Ok(Self {
            policy,
            guard: ReplayGuard::new(capacity)?,
        })
    }

    /// The policy in force.
    pub fn policy(&self) -> &VerifyPolicy {
        &self.policy
    }

    /// Verifies `envelope` at `now` and records it against replays.
    pub fn verify(&mut self, envelope: &RawSignedMessage, now: u64) -> Result<Verified> {
        self.verify_with(envelope, now, |_| Ok(()))
    }

    /// Verifies `envelope` at `now`, runs the caller's own `check` (client address, executor,
    /// deadline…) on the result, and records the envelope against replays only when `check`
    /// passes: a refused envelope takes no room in the guard, and a repeat of it is judged afresh.
    /// `check` runs before the replay check, so it sees replays too.
    pub fn verify_with(
        &mut self,
        envelope: &RawSignedMessage,
        now: u64,
        check: impl FnOnce(&Verified) -> Result<()>,
    ) -> Result<Verified> {
        let (verified, ticket) = envelope.verify_unrecorded(&self.policy, now)?;
        check(&verified)?;
        if let Some(ticket) = ticket {
            self.guard.record(&ticket, now)?;
        }
        Ok(verified)
    }

    /// Number of messages the guard remembers.
    pub fn remembered(&self) -> usize {
        self.guard.len()
    }
}
