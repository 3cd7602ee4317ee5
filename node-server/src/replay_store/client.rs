//! A blocking client of a Redis-protocol server for the replay store: a few pooled connections,
//! per-command timeouts, and a short back-off after a failure so that, while the store is down,
//! every caller fails at once instead of waiting for its own connect timeout. A connection that saw
//! any error is dropped; the next command opens a new one (that is the reconnect).

use std::io::{self, BufReader, BufWriter};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use prometheus::{HistogramVec, IntCounterVec};
use tracing::{info, warn};

use super::resp::{Reply, read_reply, write_command};

/// Idle connections kept for reuse.
const POOL_SIZE: usize = 8;
/// After a failure, how long commands fail without trying the store.
const RETRY_AFTER: Duration = Duration::from_millis(250);

/// Latency and error metrics of the store, by operation.
#[derive(Clone)]
pub struct StoreMetrics {
    /// Seconds per command that got an answer, by `op`.
    pub latency: HistogramVec,
    /// Commands that failed (unreachable, timed out, refused), by `op`.
    pub errors: IntCounterVec,
}

/// One open connection.
struct Connection {
    reader: BufReader<TcpStream>,
    writer: BufWriter<TcpStream>,
}

impl Connection {
    fn open(address: &str, timeout: Duration) -> io::Result<Self> {
        let target = address
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"))?;
        let stream = TcpStream::connect_timeout(&target, timeout)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        Ok(Self {
            reader: BufReader::new(stream.try_clone()?),
            writer: BufWriter::new(stream),
        })
    }

    fn command(&mut self, args: &[&[u8]]) -> io::Result<Reply> {
        write_command(&mut self.writer, args)?;
        read_reply(&mut self.reader)
    }
}

/// Whether the store answered recently, and since when it did not.
#[derive(Default)]
struct Health {
    /// While set and in the future, commands fail without trying.
    retry_at: Option<Instant>,
    /// Whether the last command failed (to log each change once).
    down: bool,
}

/// The store's client. `Send + Sync`; commands from many threads use separate connections.
pub struct StoreClient {
    address: String,
    timeout: Duration,
    idle: Mutex<Vec<Connection>>,
    health: Mutex<Health>,
    metrics: StoreMetrics,
}

/// A command got no usable answer (why is in the host's log, never in a client's error).
#[derive(Debug)]
pub struct Unavailable;

impl StoreClient {
    /// A client of the server at `address` (`host:port`); nothing is opened yet.
    pub fn new(address: String, timeout: Duration, metrics: StoreMetrics) -> Self {
        Self {
            address,
            timeout,
            idle: Mutex::new(Vec::new()),
            health: Mutex::new(Health::default()),
            metrics,
        }
    }

    /// Runs one command named `op` in the metrics. A server's error reply counts as unavailable
    /// too: the answer cannot be trusted for a replay decision.
    pub fn command(&self, op: &'static str, args: &[&[u8]]) -> Result<Reply, Unavailable> {
        if let Some(retry_at) = self.lock_health().retry_at
            && Instant::now() < retry_at
        {
            self.metrics.errors.with_label_values(&[op]).inc();
            return Err(Unavailable);
        }
        let started = Instant::now();
        let result = off_runtime(|| self.exchange(args));
        match result {
            Ok(Reply::Error(message)) => self.failed(op, format!("the store refused: {message}")),
            Ok(reply) => {
                self.metrics
                    .latency
                    .with_label_values(&[op])
                    .observe(started.elapsed().as_secs_f64());
                self.recovered();
                Ok(reply)
            }
            Err(error) => self.failed(op, error.to_string()),
        }
    }

    /// Sends `args` on an idle connection (or a new one) and returns it to the pool on success.
    fn exchange(&self, args: &[&[u8]]) -> io::Result<Reply> {
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut connection = match pooled {
            Some(connection) => connection,
            None => Connection::open(&self.address, self.timeout)?,
        };
        let reply = connection.command(args)?;
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < POOL_SIZE {
            idle.push(connection);
        }
        Ok(reply)
    }

    fn failed(&self, op: &'static str, reason: String) -> Result<Reply, Unavailable> {
        self.metrics.errors.with_label_values(&[op]).inc();
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        let mut health = self.lock_health();
        health.retry_at = Some(Instant::now() + RETRY_AFTER);
        if !health.down {
            health.down = true;
            warn!(store = %self.address, %reason, "replay store unavailable: refusing new session inits");
        }
        Err(Unavailable)
    }

    fn recovered(&self) {
        let mut health = self.lock_health();
        health.retry_at = None;
        if health.down {
            health.down = false;
            info!(store = %self.address, "replay store reachable again");
        }
    }

    fn lock_health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Runs blocking `work` so that it does not stall an async runtime's worker: through
/// `block_in_place` on a multi-threaded runtime's thread, directly anywhere else (the init threads,
/// tests on a current-thread runtime).
fn off_runtime<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, Write};
    use std::net::TcpListener;

    use super::*;

    fn client(address: String) -> (StoreClient, crate::metrics::Metrics) {
        let metrics = crate::metrics::Metrics::new();
        let client = StoreClient::new(address, Duration::from_secs(2), metrics.replay_store());
        (client, metrics)
    }

    /// Answers every command line-by-line with `+PONG` (enough for `PING`), on one thread.
    fn pong_server(listener: TcpListener) {
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let mut stream = stream.unwrap();
                let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                // `*1`, `$4`, `PING`: answer after the third line of each command.
                let mut lines = 0;
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    lines += 1;
                    if lines % 3 == 0 && stream.write_all(b"+PONG\r\n").is_err() {
                        break;
                    }
                    line.clear();
                }
            }
        });
    }

    #[test]
    fn an_unreachable_store_fails_fast_then_reconnects_when_back() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        drop(listener);
        let (client, metrics) = client(address.clone());
        assert!(client.command("ping", &[b"PING"]).is_err());
        // Within the back-off the store is not tried again.
        assert!(client.command("ping", &[b"PING"]).is_err());
        let errors = metrics
            .replay_store_errors_total
            .with_label_values(&["ping"]);
        assert_eq!(errors.get(), 2);

        pong_server(TcpListener::bind(&address).unwrap());
        std::thread::sleep(RETRY_AFTER);
        let reply = client.command("ping", &[b"PING"]).ok();
        assert_eq!(reply, Some(Reply::Status("PONG".into())));
        let again = client.command("ping", &[b"PING"]).ok();
        assert_eq!(
            again,
            Some(Reply::Status("PONG".into())),
            "pooled connection"
        );
        let latency = metrics.replay_store_seconds.with_label_values(&["ping"]);
        assert_eq!(latency.get_sample_count(), 2);
        assert_eq!(
            client.idle.lock().unwrap().len(),
            1,
            "one connection, reused"
        );
    }
}
