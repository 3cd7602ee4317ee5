//! Session-init cryptography (ECDH, decryption, signature recovery: ~0.2 ms of CPU each) runs on a
//! few dedicated threads, never on the async runtime that streams everyone's tokens. The threads run
//! at a lower scheduling priority (a higher nice value) than the rest of the host: while the CPU is
//! contended, streaming tokens to clients who already hold a session comes before accepting new
//! ones, so a flood of session inits slows new handshakes rather than everyone's answers. On an idle
//! CPU the priority changes nothing.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;

use confide_core::host::{InitJob, InitOutcome};
use tokio::sync::oneshot;

/// One job and where its outcome goes.
type Task = (InitJob, oneshot::Sender<InitOutcome>);

/// A pool of init threads; dropping it lets them finish the queued jobs and exit.
pub struct InitPool {
    tasks: Sender<Task>,
}

impl InitPool {
    /// Starts `workers` (at least one) threads at nice value `nice` (0 = the host's own priority;
    /// Linux only, ignored elsewhere). Jobs wait in FIFO order for a free thread.
    pub fn new(workers: usize, nice: i32) -> std::io::Result<Self> {
        let (tasks, queue) = channel::<Task>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..workers.max(1) {
            let queue = Arc::clone(&queue);
            thread::Builder::new()
                .name(format!("confide-init-{index}"))
                .spawn(move || {
                    lower_priority(nice);
                    run_jobs(&queue);
                })?;
        }
        Ok(Self { tasks })
    }

    /// Runs `job` on an init thread and waits for its outcome without blocking the runtime.
    pub async fn run(&self, job: InitJob) -> InitOutcome {
        let (outcome, receive) = oneshot::channel();
        self.tasks
            .send((job, outcome))
            .expect("init threads live as long as the pool");
        receive.await.expect("init jobs do not panic")
    }
}

/// Takes jobs until the pool is dropped. The lock is held only while waiting for the next job, so
/// one idle thread waits on the channel and the others on the lock.
fn run_jobs(queue: &Mutex<Receiver<Task>>) {
    loop {
        let next = queue
            .lock()
            .expect("no thread panics while holding the queue")
            .recv();
        let Ok((job, outcome)) = next else {
            return;
        };
        // The connection may have gone away meanwhile; its outcome is then of no use to anyone.
        let _ = outcome.send(job.run());
    }
}

/// Sets the calling thread's nice value. Failing to (a sandbox forbidding it) leaves the thread at
/// the host's priority: handshakes still work, only less politely under a flood.
fn lower_priority(nice: i32) {
    if nice == 0 {
        return;
    }
    #[cfg(target_os = "linux")]
    if let Err(error) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), nice) {
        tracing::warn!(%error, nice, "could not lower the init threads' priority");
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::lower_priority;

    fn own_nice() -> i32 {
        rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap()
    }

    #[test]
    fn an_init_thread_runs_at_the_configured_nice_value() {
        let base = std::thread::spawn(own_nice).join().unwrap();
        let lowered = std::thread::spawn(|| {
            lower_priority(7);
            own_nice()
        })
        .join()
        .unwrap();
        // The value is absolute; raising it needs no privilege (lowering may, if the runner is niced).
        assert!(lowered == 7 || base > 7, "nice {lowered}, runner's {base}");
        assert_eq!(own_nice(), base, "only the init thread changes");
    }
}
