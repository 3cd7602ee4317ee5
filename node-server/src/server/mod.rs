//! The host's network side: one TCP port serving HTTP and the WebSocket protocol, with graceful
//! shutdown (stop accepting, let generations finish within the grace period, close sockets with
//! 1001).

mod generation;
mod health;
pub(crate) mod http;
mod http_post;
mod init_pool;
mod socket;
mod state;
mod writer;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};

pub use state::{AppState, ServedModel};

/// After the grace period, how long cancelled generations get to wind down.
const ABORT_WAIT: Duration = Duration::from_secs(5);

/// A bound, not yet running host.
pub struct Server {
    listener: TcpListener,
    state: Arc<AppState>,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port).
    pub async fn bind(addr: SocketAddr, state: Arc<AppState>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Self { listener, state })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then drains: no new connections or prompts, running
    /// generations finish within the grace period (then are cancelled), sockets close with 1001.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let tracker = TaskTracker::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let _ = stream.set_nodelay(true);
                        tracker.spawn(serve_http(stream, Arc::clone(&self.state), tracker.clone()));
                        debug!(%peer, "connection accepted");
                    }
                    Err(error) => warn!(%error, "accept failed"),
                },
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        info!("shutting down: draining connections");
        self.state.draining.cancel();
        tracker.close();
        let grace = self.state.config.limits.shutdown_grace;
        if tokio::time::timeout(grace, tracker.wait()).await.is_err() {
            warn!("grace period over: cancelling running generations");
            self.state.abort_generations.cancel();
            let _ = tokio::time::timeout(ABORT_WAIT, tracker.wait()).await;
        }
        info!("shutdown complete");
        Ok(())
    }
}

/// Serves HTTP/1.1 on one TCP connection; closes keep-alive connections when draining starts.
async fn serve_http(stream: tokio::net::TcpStream, state: Arc<AppState>, tracker: TaskTracker) {
    let service_state = Arc::clone(&state);
    let peer = stream.peer_addr().ok().map(crate::warp::http::PeerAddr);
    let service = service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
        if let Some(peer) = peer {
            request.extensions_mut().insert(peer);
        }
        http::route(request, Arc::clone(&service_state), tracker.clone())
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        // A client has the handshake timeout to send its request head (a socket that sends
        // nothing, or half a head, is closed like a WebSocket that sends no frame).
        .header_read_timeout(state.config.limits.handshake_timeout)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                debug!(%error, "http connection ended with an error");
            }
        }
        () = state.draining.cancelled() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}
