//! The slot pool: which of the engine's contexts are free, and who waits for one.
//!
//! A fair semaphore counts the free slots, so waiters are served in arrival order without blocking a thread;
//! a holder of a permit is guaranteed a free slot id, because a [`SlotLease`] returns its id before its permit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A snapshot of the slot pool, for metrics and health checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotStats {
    /// Slots (contexts) in the engine.
    pub slots: usize,
    /// Slots running a generation.
    pub busy: usize,
    /// Requests waiting for a free slot.
    pub waiting: usize,
}

#[derive(Debug)]
pub(crate) struct SlotPool {
    permits: Arc<Semaphore>,
    free: Mutex<Vec<usize>>,
    waiting: AtomicUsize,
    slots: usize,
}

impl SlotPool {
    pub(crate) fn new(slots: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(slots)),
            free: Mutex::new((0..slots).rev().collect()),
            waiting: AtomicUsize::new(0),
            slots,
        }
    }

    /// Waits (asynchronously, first come first served) for a free slot.
    pub(crate) async fn acquire(self: &Arc<Self>) -> SlotLease {
        let permit = {
            let _waiting = WaitingGuard::enter(&self.waiting);
            Arc::clone(&self.permits)
                .acquire_owned()
                .await
                .expect("the slot semaphore is never closed")
        };
        let id = self
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .expect("a permit guarantees a free slot");
        SlotLease {
            id,
            pool: Arc::clone(self),
            _permit: permit,
        }
    }

    pub(crate) fn stats(&self) -> SlotStats {
        SlotStats {
            slots: self.slots,
            busy: self.slots - self.permits.available_permits(),
            waiting: self.waiting.load(Ordering::Relaxed),
        }
    }
}

/// Exclusive use of one slot; dropping it frees the slot.
#[derive(Debug)]
pub(crate) struct SlotLease {
    id: usize,
    pool: Arc<SlotPool>,
    // Released after `drop` below has returned the id (fields drop after `Drop::drop`).
    _permit: OwnedSemaphorePermit,
}

impl SlotLease {
    pub(crate) fn id(&self) -> usize {
        self.id
    }
}

impl Drop for SlotLease {
    fn drop(&mut self) {
        self.pool
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(self.id);
    }
}

/// Counts a waiter for as long as it waits, including when its future is dropped mid-wait.
struct WaitingGuard<'a>(&'a AtomicUsize);

impl<'a> WaitingGuard<'a> {
    fn enter(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for WaitingGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn leases_hand_out_distinct_slots_and_return_them() {
        let pool = Arc::new(SlotPool::new(2));
        let a = pool.acquire().await;
        let b = pool.acquire().await;
        assert_ne!(a.id(), b.id());
        assert_eq!(
            pool.stats(),
            SlotStats {
                slots: 2,
                busy: 2,
                waiting: 0
            }
        );

        let waiter = tokio::spawn({
            let pool = Arc::clone(&pool);
            async move { pool.acquire().await.id() }
        });
        while pool.stats().waiting == 0 {
            tokio::task::yield_now().await;
        }
        assert!(!waiter.is_finished());
        let freed = a.id();
        drop(a);
        assert_eq!(waiter.await.unwrap(), freed);
        assert_eq!(
            pool.stats(),
            SlotStats {
                slots: 2,
                busy: 1,
                waiting: 0
            }
        );
    }

    #[tokio::test]
    async fn an_abandoned_wait_is_no_longer_counted() {
        let pool = Arc::new(SlotPool::new(1));
        let _held = pool.acquire().await;
        let waiter = tokio::spawn({
            let pool = Arc::clone(&pool);
            async move { pool.acquire().await.id() }
        });
        while pool.stats().waiting == 0 {
            tokio::task::yield_now().await;
        }
        waiter.abort();
        assert!(waiter.await.unwrap_err().is_cancelled());
        assert_eq!(pool.stats().waiting, 0);
    }
}
