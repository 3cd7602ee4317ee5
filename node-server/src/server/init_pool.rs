//! Session-init cryptography (ECDH, decryption, signature recovery: ~0.2 ms of CPU each) runs on
//! tokio's blocking threads, at most `workers` at a time, so a flood of inits can never stall the
//! async runtime that streams everyone's tokens.

use std::sync::Arc;

use confide_core::host::{InitJob, InitOutcome};
use tokio::sync::Semaphore;

/// A bounded pool for [`InitJob`]s.
pub struct InitPool {
    permits: Arc<Semaphore>,
}

impl InitPool {
    /// A pool running at most `workers` (≥ 1) jobs at once; later ones wait in FIFO order.
    pub fn new(workers: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(workers.max(1))),
        }
    }

    /// Runs `job` on a blocking thread once a worker is free.
    pub async fn run(&self, job: InitJob) -> InitOutcome {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            job.run()
        })
        .await
        .expect("init jobs do not panic")
    }
}
