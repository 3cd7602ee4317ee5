//! The `…_async` calls: CPU-heavy work (public-key cryptography) on a worker thread, awaited as a
//! future. UniFFI drives futures from the app's own executor (asyncio, coroutines, Swift
//! concurrency) and brings no thread pool, so a future that computed in `poll` would run the
//! cryptography on that executor's thread; this one only waits for a thread's result.
//!
//! The worker wakes the future by calling into the app's runtime (Python: `call_soon_threadsafe`).
//! An interpreter that is shutting down kills a foreign thread that asks for its lock, and that
//! aborts the process; so the workers still inside a wake-up are counted
//! ([`workers_in_flight`]), and the Python package waits for them at exit.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::error::{Result, internal};

/// Workers started and not yet back from waking their future.
static IN_FLIGHT: AtomicU64 = AtomicU64::new(0);

/// Worker threads of `…_async` calls that have not finished waking their caller. A runtime that
/// cannot take calls from other threads while it shuts down (Python) waits for 0 at exit; the
/// Python package registers that wait itself.
#[uniffi::export]
pub fn workers_in_flight() -> u64 {
    IN_FLIGHT.load(Ordering::Acquire)
}

/// Counts one worker until it is dropped.
struct InFlight;

impl InFlight {
    fn start() -> Self {
        IN_FLIGHT.fetch_add(1, Ordering::AcqRel);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What the worker hands over: its result once done, and whom to wake then.
struct Slot<T> {
    result: Option<Result<T>>,
    waker: Option<Waker>,
}

/// Resolves with the worker's result.
struct Done<T>(Arc<Mutex<Slot<T>>>);

impl<T> Future for Done<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Runs `work` on a new thread; the returned future resolves with its result. A panic (a bug:
/// the core does not panic on input) becomes `INTERNAL`, as does a failure to start the thread.
pub async fn run<T, F>(work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    let slot = Arc::new(Mutex::new(Slot {
        result: None,
        waker: None,
    }));
    let shared = Arc::clone(&slot);
    let in_flight = InFlight::start();
    let spawned = std::thread::Builder::new()
        .name("confide-worker".into())
        .spawn(move || {
            let _in_flight = in_flight;
            let result = catch_unwind(AssertUnwindSafe(work))
                .unwrap_or_else(|_| Err(internal("the worker panicked")));
            let waker = {
                let mut slot = shared.lock().unwrap_or_else(PoisonError::into_inner);
                slot.result = Some(result);
                slot.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        });
    if let Err(error) = spawned {
        return Err(internal(format!("cannot start a worker thread: {error}")));
    }
    Done(slot).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::task::{Wake, Waker};
    use std::thread::{self, Thread};

    use super::*;

    /// Wakes the test's thread.
    struct Unpark(Thread);

    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    /// Polls `future` on this thread until it is ready, parking in between.
    fn block_on<T>(future: impl Future<Output = T>) -> T {
        let waker = Waker::from(Arc::new(Unpark(thread::current())));
        let mut future = std::pin::pin!(future);
        loop {
            if let Poll::Ready(value) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
                return value;
            }
            thread::park();
        }
    }

    #[test]
    fn the_result_comes_from_another_thread_and_a_panic_is_internal() {
        let caller = thread::current().id();
        let worker = block_on(run(|| Ok(thread::current().id()))).unwrap();
        assert_ne!(worker, caller);
        let panicked = block_on(run::<(), _>(|| panic!("bug"))).unwrap_err();
        assert_eq!(panicked.code(), "INTERNAL");
        let failed = block_on(run::<(), _>(|| {
            Err(crate::error::invalid_argument("x", "y"))
        }));
        assert_eq!(failed.unwrap_err().code(), "INVALID_ARGUMENT");
    }
}
