//! Session-init cryptography (ECDH, decryption, signature recovery: ~0.2 ms of CPU each) runs on
//! dedicated threads, never on the async runtime that streams everyone's tokens. The threads form
//! two lanes:
//!
//! - while any generation is streaming, and for [`STREAM_GRACE`] after the last one ended (a client
//!   that just had an answer tends to send its next prompt), inits run on the *yielding* lane:
//!   `workers` threads at a lower scheduling priority (a higher nice value) than the rest of the
//!   host, so under CPU contention serving clients who already hold a session comes before
//!   accepting new ones, and a flood of session inits slows new handshakes rather than everyone's
//!   answers;
//! - otherwise there is nothing to protect, and inits run on the *full-priority* lane: one thread
//!   per core at the host's own priority, so handshakes get the whole machine.
//!
//! The lane is chosen when a thread takes the job, not when it is queued: a job queued during a
//! quiet moment still yields if a stream has started by the time it runs.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use confide_core::host::{InitJob, InitOutcome};
use tokio::sync::oneshot;

/// Work for the pool's threads: a session init, or in tests a job that reports where it ran.
pub trait Job: Send + 'static {
    /// What the job returns.
    type Outcome: Send + 'static;
    /// Does the work.
    fn run(self) -> Self::Outcome;
}

impl Job for InitJob {
    type Outcome = InitOutcome;
    fn run(self) -> InitOutcome {
        InitJob::run(self)
    }
}

/// One job and where its outcome goes.
type Task<J> = (J, oneshot::Sender<<J as Job>::Outcome>);

/// How long inits keep yielding after the last generation ended.
pub const STREAM_GRACE: Duration = Duration::from_secs(2);

/// The two lanes of init threads; dropping the pool lets them finish the queued jobs and exit.
pub struct InitPool<J: Job = InitJob> {
    full_priority: Sender<Task<J>>,
    /// The yielding lane and when to use it, shared with the full-priority threads.
    diversion: Diversion<J>,
}

/// The generations streaming now, and when the last one ended.
struct Streams {
    active: AtomicUsize,
    /// Milliseconds from `epoch` to the end of the last generation; `u64::MAX` before any.
    last_end_ms: AtomicU64,
    epoch: Instant,
    grace: Duration,
}

impl Streams {
    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1)
    }

    /// Whether inits should yield: a generation streams, or one ended within the grace period.
    fn protecting(&self) -> bool {
        if self.active.load(Ordering::Relaxed) > 0 {
            return true;
        }
        let last_end = self.last_end_ms.load(Ordering::Relaxed);
        last_end != u64::MAX
            && self.elapsed_ms().saturating_sub(last_end) < self.grace.as_millis() as u64
    }
}

/// Held while a generation streams: inits yield to it until every mark is dropped (and then for the
/// grace period).
pub struct StreamMark(Arc<Streams>);

impl Drop for StreamMark {
    fn drop(&mut self) {
        self.0
            .last_end_ms
            .store(self.0.elapsed_ms(), Ordering::Relaxed);
        self.0.active.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Where a job goes instead of the full-priority lane while streams are protected.
struct Diversion<J: Job> {
    streams: Arc<Streams>,
    yielding: Sender<Task<J>>,
}

impl<J: Job> Clone for Diversion<J> {
    fn clone(&self) -> Self {
        Self {
            streams: Arc::clone(&self.streams),
            yielding: self.yielding.clone(),
        }
    }
}

impl<J: Job> InitPool<J> {
    /// Starts the yielding lane's `workers` (at least one) threads at nice value `nice` (0 = the
    /// host's own priority; Linux only, ignored elsewhere) and the full-priority lane's one thread
    /// per core. Jobs wait in FIFO order for a free thread.
    pub fn new(workers: usize, nice: i32) -> std::io::Result<Self> {
        Self::with_grace(workers, nice, STREAM_GRACE)
    }

    /// [`InitPool::new`] with another grace period after the last stream.
    fn with_grace(workers: usize, nice: i32, grace: Duration) -> std::io::Result<Self> {
        let streams = Arc::new(Streams {
            active: AtomicUsize::new(0),
            last_end_ms: AtomicU64::new(u64::MAX),
            epoch: Instant::now(),
            grace,
        });
        let yielding = start_lane("confide-init-yielding", workers.max(1), nice, None)?;
        let cores = thread::available_parallelism().map_or(1, usize::from);
        let diversion = Diversion { streams, yielding };
        let full_priority = start_lane("confide-init", cores, 0, Some(diversion.clone()))?;
        Ok(Self {
            full_priority,
            diversion,
        })
    }

    /// Marks a generation as streaming for as long as the mark is held.
    pub fn streaming(&self) -> StreamMark {
        let streams = &self.diversion.streams;
        streams.active.fetch_add(1, Ordering::Relaxed);
        StreamMark(Arc::clone(streams))
    }

    /// Runs `job` on an init thread and waits for its outcome without blocking the runtime.
    pub async fn run(&self, job: J) -> J::Outcome {
        let (outcome, receive) = oneshot::channel();
        // Chosen here too, so that while streams are protected a job takes one hop, not two.
        let lane = if self.diversion.streams.protecting() {
            &self.diversion.yielding
        } else {
            &self.full_priority
        };
        lane.send((job, outcome))
            .expect("init threads live as long as the pool");
        receive.await.expect("init jobs do not panic")
    }
}

/// Starts `threads` threads at nice value `nice` taking tasks from one queue, handing them to
/// `diversion`'s lane instead while a stream is marked. Returns the queue's sender.
fn start_lane<J: Job>(
    name: &str,
    threads: usize,
    nice: i32,
    diversion: Option<Diversion<J>>,
) -> std::io::Result<Sender<Task<J>>> {
    let (tasks, queue) = channel::<Task<J>>();
    let queue = Arc::new(Mutex::new(queue));
    for index in 0..threads {
        let queue = Arc::clone(&queue);
        let diversion = diversion.clone();
        thread::Builder::new()
            .name(format!("{name}-{index}"))
            .spawn(move || {
                lower_priority(nice);
                run_jobs(&queue, diversion.as_ref());
            })?;
    }
    Ok(tasks)
}

/// Takes jobs until the pool is dropped. The lock is held only while waiting for the next job, so
/// one idle thread waits on the channel and the others on the lock.
fn run_jobs<J: Job>(queue: &Mutex<Receiver<Task<J>>>, diversion: Option<&Diversion<J>>) {
    loop {
        let next = queue
            .lock()
            .expect("no thread panics while holding the queue")
            .recv();
        let Ok(task) = next else {
            return;
        };
        if let Some(diversion) = diversion
            && diversion.streams.protecting()
        {
            // The yielding lane outlives this thread: its sender is held here.
            let _ = diversion.yielding.send(task);
            continue;
        }
        let (job, outcome) = task;
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
    use super::*;

    /// Reports the nice value of the thread that ran it; when given channels, says it started and
    /// waits to be released first.
    struct ReportNice(Option<(Sender<()>, Receiver<()>)>);

    impl Job for ReportNice {
        type Outcome = i32;
        fn run(self) -> i32 {
            if let Some((started, release)) = self.0 {
                started.send(()).unwrap();
                release.recv().unwrap();
            }
            own_nice()
        }
    }

    #[tokio::test]
    async fn inits_run_at_full_priority_until_a_stream_starts_and_yield_while_it_lasts() {
        let base = own_nice();
        if base >= 7 {
            return; // A runner niced this far leaves no lower priority to observe.
        }
        let pool = InitPool::<ReportNice>::with_grace(1, 7, Duration::ZERO).unwrap();
        assert_eq!(pool.run(ReportNice(None)).await, base);
        let mark = pool.streaming();
        let second = pool.streaming();
        assert_eq!(pool.run(ReportNice(None)).await, 7);
        drop(mark);
        assert_eq!(pool.run(ReportNice(None)).await, 7, "one stream is left");
        drop(second);
        assert_eq!(pool.run(ReportNice(None)).await, base);

        // With a grace period, inits keep yielding after the last stream ended, until it passes.
        let lingering = InitPool::<ReportNice>::with_grace(1, 7, Duration::from_secs(1)).unwrap();
        assert_eq!(lingering.run(ReportNice(None)).await, base, "no stream yet");
        drop(lingering.streaming());
        assert_eq!(lingering.run(ReportNice(None)).await, 7);
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        assert_eq!(lingering.run(ReportNice(None)).await, base);

        // Every full-priority thread busy; a job queued while all is quiet still yields if a
        // stream starts before a thread takes it.
        let cores = thread::available_parallelism().map_or(1, usize::from);
        let (started, running) = channel();
        let (release, blocked): (Vec<_>, Vec<_>) = (0..cores)
            .map(|_| {
                let (release, wait) = channel();
                (release, pool.run(ReportNice(Some((started.clone(), wait)))))
            })
            .unzip();
        // A first poll queues a job; once every blocked job holds a thread, the next one waits.
        let blocked = futures_util::future::join_all(blocked);
        tokio::pin!(blocked);
        assert!(futures_util::poll!(&mut blocked).is_pending());
        for _ in 0..cores {
            running.recv().unwrap();
        }
        let queued = pool.run(ReportNice(None));
        tokio::pin!(queued);
        assert!(futures_util::poll!(&mut queued).is_pending());
        let mark = pool.streaming();
        release.iter().for_each(|release| release.send(()).unwrap());
        assert!(blocked.await.iter().all(|nice| *nice == base));
        assert_eq!(queued.await, 7);
        drop(mark);
    }

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
