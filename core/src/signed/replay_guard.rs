//! A replay guard bounded both in time (entries expire) and in count (oldest evicted first).

use std::collections::{HashMap, VecDeque};

use crate::error::{Error, ErrorCode, Result};

/// Remembers message keys until they expire, holding at most `capacity` of them.
///
/// When more distinct messages arrive inside one window than the capacity, the oldest are forgotten
/// first; size the capacity for the expected message rate × window.
#[derive(Clone, Debug)]
pub struct ReplayGuard {
    capacity: usize,
    expiry_by_key: HashMap<[u8; 32], u64>,
    insertion_order: VecDeque<([u8; 32], u64)>,
}

impl ReplayGuard {
    /// A guard holding at most `capacity` keys (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            expiry_by_key: HashMap::new(),
            insertion_order: VecDeque::new(),
        }
    }

    /// `REPLAY_DETECTED` if `key` was recorded and has not expired at `now`; otherwise records it
    /// until `expires_at`.
    pub fn check_and_record(&mut self, key: [u8; 32], expires_at: u64, now: u64) -> Result<()> {
        self.evict(now);
        if self
            .expiry_by_key
            .get(&key)
            .is_some_and(|&expiry| expiry > now)
        {
            return Err(Error::new(
                ErrorCode::ReplayDetected,
                "this signed message was already accepted",
            ));
        }
        self.expiry_by_key.insert(key, expires_at);
        self.insertion_order.push_back((key, expires_at));
        while self.insertion_order.len() > self.capacity {
            self.pop_oldest();
        }
        Ok(())
    }

    /// Number of remembered keys.
    pub fn len(&self) -> usize {
        self.expiry_by_key.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.expiry_by_key.is_empty()
    }

    fn evict(&mut self, now: u64) {
        while self
            .insertion_order
            .front()
            .is_some_and(|&(_, expiry)| expiry <= now)
        {
            self.pop_oldest();
        }
    }

    fn pop_oldest(&mut self) {
        if let Some((key, expiry)) = self.insertion_order.pop_front()
            // A key re-recorded later has a newer entry; only the newest one owns the map slot.
            && self.expiry_by_key.get(&key) == Some(&expiry)
        {
            self.expiry_by_key.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeat_inside_window_is_replay_and_allowed_after() {
        let mut guard = ReplayGuard::new(10);
        guard.check_and_record([1; 32], 100, 50).unwrap();
        let err = guard.check_and_record([1; 32], 101, 99).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ReplayDetected);
        guard.check_and_record([1; 32], 200, 100).unwrap();
    }

    #[test]
    fn count_bound_evicts_oldest() {
        let mut guard = ReplayGuard::new(2);
        for k in 1..=3u8 {
            guard.check_and_record([k; 32], 1_000, 0).unwrap();
        }
        assert_eq!(guard.len(), 2);
        guard.check_and_record([1; 32], 1_000, 0).unwrap(); // forgotten: accepted again
        assert!(guard.check_and_record([3; 32], 1_000, 0).is_err());
    }
}
