//! A real `confide-node` process for the tests that need one, and the footprint of a process
//! (open file descriptors, resident memory) that the fault tests compare before and after.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_confide-node");

/// `confide-node` with a clean environment: no host key, a free port, the test cache.
pub fn node() -> Command {
    let mut command = Command::new(BIN);
    command
        .env_remove("HOST_PRIVATE_KEY")
        .env("CONFIDE_LISTEN", "127.0.0.1:0")
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"));
    command
}

/// A running `serve`: its address from the startup line, killed on drop.
pub struct Serve {
    pub child: Child,
    pub addr: String,
    pub startup_line: String,
}

impl Serve {
    pub fn start(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no startup line: {line:?}"))
            .to_owned();
        Self {
            child,
            addr,
            startup_line: line,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/v1/ws", self.addr)
    }

    /// Sends SIGTERM.
    pub fn signal_term(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// SIGTERM and the exit status.
    pub fn terminate(mut self) -> ExitStatus {
        self.signal_term();
        self.child.wait().unwrap()
    }

    /// The exit status, once the process exited within `limit` (panics when it did not).
    pub fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < limit, "still running after {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Open file descriptors and resident memory of a process.
#[derive(Clone, Copy, Debug)]
pub struct Footprint {
    pub fds: usize,
    pub rss_kib: u64,
}

impl Footprint {
    /// Of process `pid`, from `/proc`.
    pub fn of(pid: u32) -> Self {
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .count();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let rss_kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .expect("VmRSS in /proc/PID/status");
        Self { fds, rss_kib }
    }

    /// Of this test process (hosts that run in-process).
    pub fn of_self() -> Self {
        Self::of(std::process::id())
    }

    /// Waits (up to 10 s) until `pid` holds no more descriptors than `before` (connections are
    /// torn down asynchronously), then asserts that it holds at most `fd_slack` more, and that
    /// resident memory grew by at most `rss_slack_kib`. Returns the footprint after; `label` names the case in the log.
    pub async fn assert_settles(
        before: Self,
        pid: u32,
        fd_slack: usize,
        rss_slack_kib: u64,
        label: &str,
    ) -> Self {
        let started = Instant::now();
        let mut after = Self::of(pid);
        while after.fds > before.fds && started.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(50)).await;
            after = Self::of(pid);
        }
        eprintln!(
            "footprint {label}: fds {} -> {}, RSS {} KiB -> {} KiB",
            before.fds, after.fds, before.rss_kib, after.rss_kib
        );
        assert!(
            after.fds <= before.fds + fd_slack,
            "{label}: file descriptors leaked: {before:?} -> {after:?}: {:?}",
            descriptors(pid)
        );
        assert!(
            after.rss_kib <= before.rss_kib + rss_slack_kib,
            "{label}: resident memory grew: {before:?} -> {after:?}"
        );
        after
    }
}

/// What the descriptors of `pid` point at (sockets, pipes, files), for a leak's message.
pub fn descriptors(pid: u32) -> Vec<String> {
    let mut targets: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .map(|target| target.display().to_string())
        .collect();
    targets.sort();
    targets
}
