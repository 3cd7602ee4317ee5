//! The host's init replay memory (E2EE.md §1 "Replay"): which `encrypted_session_init`s were
//! accepted, process-wide, bounded in count and fail-closed.
//!
//! The engine talks to it through [`ReplayMemory`], so replicas behind a load balancer can share one
//! store (a driver supplies the implementation); [`BoundedReplayMemory`] is the in-process one.

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::crypto::Nonce;
use crate::error::{Error, ErrorCode, Result};

/// The replay identity of an accepted init: SHA-256 over a domain tag, the compressed ephemeral
/// key and the init nonce. The same on every replica, so a shared store can compare them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InitFingerprint([u8; 32]);

impl InitFingerprint {
    /// The fingerprint of an init with ephemeral key `eph_public` (compressed) and `nonce`.
    pub fn new(eph_public: &[u8; 33], nonce: &Nonce) -> Self {
        let digest = Sha256::new()
            .chain_update(b"confide-init-replay-v1")
            .chain_update(eph_public)
            .chain_update(nonce)
            .finalize();
        Self(digest.into())
    }

    /// The 32 bytes (e.g. as the key of a shared store).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Where accepted inits are remembered. Implementations must be atomic: of two concurrent
/// `insert_if_absent` calls for one fingerprint, exactly one returns `Ok(true)`.
///
/// Every method fails closed: an implementation that cannot answer (full, unreachable) returns an
/// error and the engine refuses the init.
pub trait ReplayMemory: Send + Sync {
    /// Whether `fingerprint` is remembered and not expired at `now` (Unix seconds). A cheap
    /// pre-check before the init's cryptography; the authoritative test is `insert_if_absent`.
    fn contains(&self, fingerprint: &InitFingerprint, now: u64) -> Result<bool>;

    /// Remembers `fingerprint` until `expires_at` unless it is already remembered: `Ok(true)` when
    /// newly recorded, `Ok(false)` for a replay. Full memory is `TOO_MANY_SESSIONS`.
    fn insert_if_absent(
        &self,
        fingerprint: InitFingerprint,
        expires_at: u64,
        now: u64,
    ) -> Result<bool>;

    /// Keeps a remembered fingerprint until at least `expires_at` (a session keyed by it is still
    /// in use). Unknown fingerprints are recorded.
    fn extend(&self, fingerprint: InitFingerprint, expires_at: u64, now: u64) -> Result<()>;
}

/// Bytes one remembered init costs in [`BoundedReplayMemory`] (fingerprint, expiry and hash-table
/// overhead), for sizing its capacity.
pub const REPLAY_ENTRY_BYTES: usize = 64;

/// The in-process [`ReplayMemory`]: at most `capacity` fingerprints (about
/// [`REPLAY_ENTRY_BYTES`] each). Expired entries are dropped when room is needed; live entries are
/// never forgotten, so when it is full of live entries new inits are refused.
#[derive(Debug)]
pub struct BoundedReplayMemory {
    capacity: usize,
    entries: Mutex<HashMap<InitFingerprint, u64>>,
}

impl BoundedReplayMemory {
    /// A memory holding at most `capacity` (≥ 1) fingerprints.
    pub fn new(capacity: usize) -> Result<Self> {
        if capacity == 0 {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "replay memory capacity must be at least 1",
            ));
        }
        Ok(Self {
            capacity,
            entries: Mutex::new(HashMap::new()),
        })
    }

    /// Number of fingerprints held (live or not yet swept).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<InitFingerprint, u64>> {
        // Nothing panics while the lock is held, so a poisoned lock still holds consistent data.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Makes room for one more entry, dropping expired ones; `TOO_MANY_SESSIONS` when every entry
    /// is live.
    fn reserve(&self, entries: &mut HashMap<InitFingerprint, u64>, now: u64) -> Result<()> {
        if entries.len() < self.capacity {
            return Ok(());
        }
        entries.retain(|_, &mut until| until > now);
        if entries.len() < self.capacity {
            return Ok(());
        }
        Err(Error::new(
            ErrorCode::TooManySessions,
            "the host's replay memory is full; try again later",
        ))
    }
}

impl ReplayMemory for BoundedReplayMemory {
    fn contains(&self, fingerprint: &InitFingerprint, now: u64) -> Result<bool> {
        Ok(self
            .lock()
            .get(fingerprint)
            .is_some_and(|&until| until > now))
    }

    fn insert_if_absent(
        &self,
        fingerprint: InitFingerprint,
        expires_at: u64,
        now: u64,
    ) -> Result<bool> {
        let mut entries = self.lock();
        if entries.get(&fingerprint).is_some_and(|&until| until > now) {
            return Ok(false);
        }
        if !entries.contains_key(&fingerprint) {
            self.reserve(&mut entries, now)?;
        }
        entries.insert(fingerprint, expires_at);
        Ok(true)
    }

    fn extend(&self, fingerprint: InitFingerprint, expires_at: u64, now: u64) -> Result<()> {
        let mut entries = self.lock();
        if let Some(until) = entries.get_mut(&fingerprint) {
            *until = (*until).max(expires_at);
            return Ok(());
        }
        self.reserve(&mut entries, now)?;
        entries.insert(fingerprint, expires_at);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint(n: u8) -> InitFingerprint {
        InitFingerprint::new(&[n; 33], &[n; 24])
    }

    #[test]
    fn a_fingerprint_is_accepted_once_until_it_expires() {
        let memory = BoundedReplayMemory::new(4).unwrap();
        assert!(memory.insert_if_absent(fingerprint(1), 100, 10).unwrap());
        assert!(memory.contains(&fingerprint(1), 99).unwrap());
        assert!(!memory.insert_if_absent(fingerprint(1), 200, 99).unwrap());
        assert!(!memory.contains(&fingerprint(1), 100).unwrap());
        assert!(memory.insert_if_absent(fingerprint(1), 200, 100).unwrap());
    }

    #[test]
    fn full_of_live_entries_it_refuses_instead_of_forgetting() {
        let memory = BoundedReplayMemory::new(2).unwrap();
        assert!(memory.insert_if_absent(fingerprint(1), 100, 0).unwrap());
        assert!(memory.insert_if_absent(fingerprint(2), 50, 0).unwrap());
        let full = memory
            .insert_if_absent(fingerprint(3), 100, 10)
            .unwrap_err();
        assert_eq!(full.code(), ErrorCode::TooManySessions);
        assert!(!memory.insert_if_absent(fingerprint(1), 100, 10).unwrap());
        // Once an entry expired, its room is reused; the live one is still remembered.
        assert!(memory.insert_if_absent(fingerprint(3), 100, 60).unwrap());
        assert!(!memory.insert_if_absent(fingerprint(1), 100, 60).unwrap());
        assert_eq!(memory.len(), 2);
    }

    #[test]
    fn extend_keeps_an_entry_alive() {
        let memory = BoundedReplayMemory::new(2).unwrap();
        memory.insert_if_absent(fingerprint(1), 100, 0).unwrap();
        memory.extend(fingerprint(1), 300, 90).unwrap();
        memory.extend(fingerprint(1), 200, 90).unwrap();
        assert!(memory.contains(&fingerprint(1), 250).unwrap());
        assert!(!memory.contains(&fingerprint(1), 300).unwrap());
    }

    #[test]
    fn capacity_zero_is_an_invalid_argument() {
        assert_eq!(
            BoundedReplayMemory::new(0).unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        assert_ne!(fingerprint(1), InitFingerprint::new(&[1; 33], &[2; 24]));
    }
}
