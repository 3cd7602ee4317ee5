//! A token bucket: `rate` frames per second with bursts up to twice that.

use std::time::Instant;

/// Per-connection frame budget.
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket refilling at `per_second`.
    pub fn new(per_second: u32, now: Instant) -> Self {
        let rate = f64::from(per_second.max(1));
        Self {
            rate,
            capacity: rate * 2.0,
            tokens: rate * 2.0,
            last: now,
        }
    }

    /// Takes one token; false when the bucket is empty.
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
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
    use std::time::Duration;

    use super::*;

    #[test]
    fn bursts_to_twice_the_rate_then_refills() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(5, start);
        assert_eq!((0..20).filter(|_| bucket.try_take(start)).count(), 10);
        assert!(bucket.try_take(start + Duration::from_millis(200)));
        assert!(!bucket.try_take(start + Duration::from_millis(200)));
    }
}
