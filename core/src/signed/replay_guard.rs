//! A replay guard bounded in time (entries expire) and in count (it fails closed when full).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};

use crate::error::{Error, ErrorCode, Result};

/// What the replay guard needs to remember an accepted envelope: its 32-byte replay key and the
/// Unix second from which it may be forgotten. Made by [`RawSignedMessage::verify_unrecorded`]
/// (the replay key is public data: a hash of the signer and nonce, or the signed digest).
///
/// [`RawSignedMessage::verify_unrecorded`]: super::RawSignedMessage::verify_unrecorded
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayTicket {
    key: [u8; 32],
    expires_at: u64,
}

impl ReplayTicket {
    /// A ticket for `key`, remembered while `now < expires_at`.
    pub(crate) fn new(key: [u8; 32], expires_at: u64) -> Self {
        Self { key, expires_at }
    }

    /// The replay key (a shared store's key).
    pub fn key(&self) -> &[u8; 32] {
        &self.key
    }

    /// The Unix second from which the ticket may be forgotten.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }
}

/// Remembers replay keys until they expire, holding at most `capacity` of them.
///
/// Expired entries are forgotten as new tickets are recorded. When the guard is full of live
/// entries it fails closed: a new ticket is refused with `RATE_LIMITED` and nothing is forgotten,
/// so an accepted message can never be replayed while it is still inside its window. Size the
/// capacity for the expected message rate × window.
///
/// Memory is bounded by the count: every entry has the same size (a 32-byte key in a hash set and
/// a 40-byte (expiry, key) pair in a heap), at most about 160 bytes per entry including the
/// collections' spare capacity, so [`Self::DEFAULT_CAPACITY`] entries stay under 16 MiB.
/// Nothing is allocated up front.
#[derive(Clone, Debug)]
pub struct ReplayGuard {
    capacity: usize,
    /// The live keys; exactly the keys in `by_expiry`.
    keys: HashSet<[u8; 32]>,
    /// (expiry, key), soonest expiry first.
    by_expiry: BinaryHeap<Reverse<(u64, [u8; 32])>>,
}

impl ReplayGuard {
    /// Default capacity: 100,000 remembered messages (under 16 MiB).
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A guard holding at most `capacity` keys; 0 is `INVALID_ARGUMENT`.
    pub fn new(capacity: usize) -> Result<Self> {
        if capacity == 0 {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "invalid argument `capacity`: a replay guard must remember at least 1 message",
            ));
        }
        Ok(Self {
            capacity,
            keys: HashSet::new(),
            by_expiry: BinaryHeap::new(),
        })
    }

    /// Records `ticket` at `now` (Unix seconds), after forgetting the entries expired at `now`:
    /// `REPLAY_DETECTED` if its key is remembered, `RATE_LIMITED` if the guard is full of live
    /// entries (nothing is recorded or forgotten then). No cryptography: cheap enough to call
    /// under a mutex.
    pub fn record(&mut self, ticket: &ReplayTicket, now: u64) -> Result<()> {
        self.forget_expired(now);
        if self.keys.contains(&ticket.key) {
            return Err(Error::new(
                ErrorCode::ReplayDetected,
                "this signed message was already accepted",
            ));
        }
        if self.keys.len() >= self.capacity {
            return Err(Error::new(
                ErrorCode::RateLimited,
                "replay memory is full; try again later",
            ));
        }
        self.keys.insert(ticket.key);
        self.by_expiry
            .push(Reverse((ticket.expires_at, ticket.key)));
        Ok(())
    }

    /// Number of remembered keys (expired ones included until the next [`Self::record`]).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn forget_expired(&mut self, now: u64) {
        while let Some(&Reverse((expires_at, key))) = self.by_expiry.peek()
            && expires_at <= now
        {
            self.by_expiry.pop();
            self.keys.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(n: u64, expires_at: u64) -> ReplayTicket {
        let mut key = [0; 32];
        key[..8].copy_from_slice(&n.to_be_bytes());
        ReplayTicket::new(key, expires_at)
    }

    #[track_caller]
    fn assert_code(result: Result<()>, code: ErrorCode) {
        assert_eq!(result.expect_err("expected an error").code(), code);
    }

    #[test]
    fn repeat_before_expiry_is_replay_and_allowed_from_expiry() {
        let mut guard = ReplayGuard::new(10).unwrap();
        guard.record(&ticket(1, 100), 50).unwrap();
        assert_code(guard.record(&ticket(1, 101), 99), ErrorCode::ReplayDetected);
        guard.record(&ticket(1, 200), 100).unwrap();
        assert_eq!(guard.len(), 1);
    }

    #[test]
    fn capacity_zero_is_rejected() {
        let err = ReplayGuard::new(0).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
        assert!(err.message().contains("`capacity`"), "{err}");
        assert!(ReplayGuard::new(1).is_ok());
    }

    #[test]
    fn full_of_live_entries_refuses_and_forgets_nothing() {
        let mut guard = ReplayGuard::new(2).unwrap();
        guard.record(&ticket(1, 1_000), 0).unwrap();
        guard.record(&ticket(2, 1_000), 0).unwrap();
        let err = guard.record(&ticket(3, 1_000), 0).unwrap_err();
        assert_eq!(err.code(), ErrorCode::RateLimited);
        assert_eq!(err.message(), "replay memory is full; try again later");
        // Nothing was forgotten: both are still replays, and the refused one was not recorded.
        assert_code(
            guard.record(&ticket(1, 1_000), 999),
            ErrorCode::ReplayDetected,
        );
        assert_code(
            guard.record(&ticket(2, 1_000), 999),
            ErrorCode::ReplayDetected,
        );
        assert_code(guard.record(&ticket(3, 1_000), 999), ErrorCode::RateLimited);
        assert_eq!(guard.len(), 2);
    }

    #[test]
    fn expired_entries_make_room_whatever_their_insertion_order() {
        let mut guard = ReplayGuard::new(2).unwrap();
        guard.record(&ticket(1, 1_000), 0).unwrap();
        guard.record(&ticket(2, 10), 0).unwrap(); // recorded later, expires first
        guard.record(&ticket(3, 1_000), 10).unwrap();
        assert_code(
            guard.record(&ticket(1, 1_000), 10),
            ErrorCode::ReplayDetected,
        );
        guard.record(&ticket(2, 1_000), 1_000).unwrap();
        assert_eq!(guard.len(), 1);
    }

    #[test]
    fn memory_stays_bounded_under_a_million_distinct_keys() {
        let mut guard = ReplayGuard::new(10_000).unwrap();
        let mut refused = 0;
        for n in 0..1_000_000 {
            match guard.record(&ticket(n, u64::MAX), 7) {
                Ok(()) => assert!(n < 10_000, "key {n} accepted into a full guard"),
                Err(err) => {
                    assert_eq!(err.code(), ErrorCode::RateLimited);
                    refused += 1;
                }
            }
            assert!(guard.len() <= 10_000);
            assert!(guard.by_expiry.len() <= 10_000);
        }
        assert_eq!(refused, 990_000);
        assert_code(
            guard.record(&ticket(0, u64::MAX), 7),
            ErrorCode::ReplayDetected,
        );
        assert_code(
            guard.record(&ticket(9_999, u64::MAX), 7),
            ErrorCode::ReplayDetected,
        );
    }
}
