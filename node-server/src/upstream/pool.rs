//! Keep-alive connections to the upstream: a stream that ended cleanly (its body read to the end)
//! gives its connection back for the next request; a cancelled, failed or cut-short stream closes
//! its connection, which is how the upstream learns that nobody listens any more.

use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::SendRequest;
use tokio_util::task::AbortOnDropHandle;

/// The task that drives one upstream HTTP connection; dropping it closes the connection.
pub type ConnectionDriver = AbortOnDropHandle<hyper::Result<()>>;

/// Idle connections kept at most (more finished streams close theirs).
const MAX_IDLE: usize = 32;

/// One open HTTP/1.1 connection: its request handle and its driver.
pub struct Connection {
    /// Sends the next request.
    pub sender: SendRequest<Full<Bytes>>,
    /// Keeps the connection alive while held (never read: held for its `Drop`).
    _driver: ConnectionDriver,
}

impl Connection {
    /// The connection `sender` sends on, driven by `driver`.
    pub fn new(sender: SendRequest<Full<Bytes>>, driver: ConnectionDriver) -> Self {
        Self {
            sender,
            _driver: driver,
        }
    }
}

/// The idle connections.
#[derive(Default)]
pub struct Pool {
    idle: Mutex<Vec<Connection>>,
}

impl Pool {
    /// An idle connection ready for a request, if one is left (closed ones are dropped).
    pub fn take(&self) -> Option<Connection> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some(connection) = idle.pop() {
            if connection.sender.is_ready() {
                return Some(connection);
            }
        }
        None
    }

    /// Keeps `connection` for a later request.
    pub fn put(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE && connection.sender.is_ready() {
            idle.push(connection);
        }
    }

    /// Idle connections held now.
    pub fn idle(&self) -> usize {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("idle", &self.idle()).finish()
    }
}
