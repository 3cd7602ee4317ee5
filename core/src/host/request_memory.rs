//! Where the host remembers accepted signed requests (SIGNED_MESSAGES.md "Replay"), process-wide.
//!
//! The engine talks to it through [`SignedRequestMemory`], so replicas behind a load balancer can
//! share one store (a driver supplies the implementation, as for
//! [`ReplayMemory`](super::ReplayMemory)); a [`ReplayGuard`] behind a mutex is the in-process one.

use std::sync::{Mutex, PoisonError};

use crate::error::Result;
use crate::signed::{ReplayGuard, ReplayTicket};

/// Remembers the replay tickets of accepted signed requests. Implementations must be atomic: of
/// two concurrent `record` calls for one ticket key, exactly one succeeds.
///
/// Fails closed: an implementation that cannot answer (full, unreachable) returns an error and the
/// request is refused.
pub trait SignedRequestMemory: Send + Sync {
    /// Records `ticket` at `now` (Unix seconds) until its expiry: `REPLAY_DETECTED` when its key is
    /// remembered and not expired; any other error when it cannot be recorded.
    fn record(&self, ticket: &ReplayTicket, now: u64) -> Result<()>;
}

impl SignedRequestMemory for Mutex<ReplayGuard> {
    fn record(&self, ticket: &ReplayTicket, now: u64) -> Result<()> {
        self.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .record(ticket, now)
    }
}
