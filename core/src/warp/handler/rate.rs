//! Per-peer rate limiting on the caller's clock, with a bounded number of tracked peers.

use std::collections::HashMap;

use crate::host::TokenBucket;

/// One token bucket per peer. At most `max_peers` are tracked: when full, peers idle long enough
/// to have refilled are forgotten first (forgetting them changes nothing), then the least recently
/// seen.
#[derive(Debug)]
pub(crate) struct PeerRateLimiter {
    per_second: u32,
    burst: u32,
    max_peers: usize,
    peers: HashMap<String, (TokenBucket, u64)>,
}

impl PeerRateLimiter {
    pub fn new(per_second: u32, burst: u32, max_peers: usize) -> Self {
        Self {
            per_second: per_second.max(1),
            burst: burst.max(1),
            max_peers: max_peers.max(1),
            peers: HashMap::new(),
        }
    }

    /// Whether `peer` may make one more request at `now_ms`.
    pub fn allow(&mut self, peer: &str, now_ms: u64) -> bool {
        if let Some((bucket, seen)) = self.peers.get_mut(peer) {
            *seen = now_ms.max(*seen);
            return bucket.try_take(now_ms);
        }
        if self.peers.len() >= self.max_peers {
            self.forget_idle(now_ms);
        }
        let mut bucket = TokenBucket::new(self.per_second, self.burst, now_ms);
        let allowed = bucket.try_take(now_ms);
        self.peers.insert(peer.to_owned(), (bucket, now_ms));
        allowed
    }

    fn forget_idle(&mut self, now_ms: u64) {
        let refill_ms = u64::from(self.burst) * 1000 / u64::from(self.per_second) + 1;
        self.peers
            .retain(|_, (_, seen)| now_ms.saturating_sub(*seen) < refill_ms);
        if self.peers.len() >= self.max_peers
            && let Some(oldest) = self
                .peers
                .iter()
                .min_by_key(|(_, (_, seen))| *seen)
                .map(|(peer, _)| peer.clone())
        {
            self.peers.remove(&oldest);
        }
    }

    #[cfg(test)]
    pub fn tracked(&self) -> usize {
        self.peers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_each_peer_separately_and_stays_bounded() {
        let mut limiter = PeerRateLimiter::new(10, 2, 3);
        assert!(limiter.allow("a", 0));
        assert!(limiter.allow("a", 0));
        assert!(!limiter.allow("a", 0));
        assert!(limiter.allow("b", 0));
        assert!(limiter.allow("a", 100));
        for (i, peer) in ["c", "d", "e", "f"].into_iter().enumerate() {
            assert!(limiter.allow(peer, 101 + i as u64));
            assert!(limiter.tracked() <= 3);
        }
    }
}
