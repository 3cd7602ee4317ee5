//! A token bucket on the caller's clock: `rate` events per second with bursts up to `burst`.

/// An event budget that refills continuously. Time is the caller's `now_ms` (milliseconds on any
/// monotonic or wall clock); a clock that steps back refills nothing.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    per_ms: f64,
    burst: f64,
    tokens: f64,
    last_ms: u64,
}

impl TokenBucket {
    /// A full bucket of `burst` tokens refilling at `per_second`.
    pub fn new(per_second: u32, burst: u32, now_ms: u64) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            per_ms: f64::from(per_second.max(1)) / 1000.0,
            burst,
            tokens: burst,
            last_ms: now_ms,
        }
    }

    /// Takes one token; false when the bucket is empty.
    pub fn try_take(&mut self, now_ms: u64) -> bool {
        let elapsed = now_ms.saturating_sub(self.last_ms);
        self.last_ms = self.last_ms.max(now_ms);
        self.tokens = (self.tokens + elapsed as f64 * self.per_ms).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills_at_the_rate() {
        let mut bucket = TokenBucket::new(5, 10, 1_000);
        assert_eq!((0..20).filter(|_| bucket.try_take(1_000)).count(), 10);
        assert!(!bucket.try_take(1_100));
        assert!(bucket.try_take(1_200));
        assert!(!bucket.try_take(1_200));
        // A clock stepping back refills nothing and does not panic.
        assert!(!bucket.try_take(0));
        assert_eq!((0..20).filter(|_| bucket.try_take(100_000)).count(), 10);
    }
}
