//! The wall clock, read in one place: the core engine takes time as a parameter.

use std::time::{SystemTime, UNIX_EPOCH};

/// Unix milliseconds now (the host engine's clock).
pub fn unix_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// Unix seconds now (signed messages, receipts).
pub fn unix_now() -> u64 {
    unix_now_ms() / 1000
}
