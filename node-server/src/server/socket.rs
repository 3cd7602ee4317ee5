//! The WebSocket loop of one connection: reads frames, writes replies and streamed chunks, enforces
//! the handshake and idle timeouts, and closes with the right code.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::error::Error as WsError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tracing::debug;

use super::connection::{Connection, Outgoing};
use super::state::AppState;

/// Generation events buffered per connection before generation waits for the socket.
const UPDATE_BUFFER: usize = 64;
/// How often idle sessions are swept.
const SWEEP_INTERVAL: Duration = Duration::from_secs(30);

/// Runs the protocol on an accepted WebSocket until either side closes.
pub async fn run<S>(ws: WebSocketStream<S>, state: Arc<AppState>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    state.metrics.connections_active.inc();
    state.metrics.connections_total.inc();
    let (updates_tx, mut updates) = mpsc::channel(UPDATE_BUFFER);
    let mut connection = Connection::new(Arc::clone(&state), updates_tx);
    let (mut sink, mut stream) = ws.split();
    let limits = state.config.limits.clone();
    let handshake_deadline = Instant::now() + limits.handshake_timeout;
    let mut idle_deadline = Instant::now() + limits.idle_timeout;
    let mut received_any = false;
    let mut draining = false;
    let mut sweep = tokio::time::interval(SWEEP_INTERVAL);

    let mut outgoing = vec![Outgoing::Frame(connection.greeting())];
    'conn: loop {
        for item in outgoing.drain(..) {
            let (message, closing) = match item {
                Outgoing::Frame(text) => (Message::text(text), false),
                Outgoing::Close(code, reason) => (close(code, reason), true),
            };
            if sink.send(message).await.is_err() || closing {
                break 'conn;
            }
        }
        if draining && !connection.is_generating() {
            let _ = sink.send(close(1001, "server shutting down")).await;
            break;
        }
        tokio::select! {
            Some(update) = updates.recv() => outgoing = connection.handle_update(update),
            _ = state.draining.cancelled(), if !draining => draining = true,
            message = stream.next(), if !draining => {
                idle_deadline = Instant::now() + limits.idle_timeout;
                match message {
                    Some(Ok(Message::Text(text))) => {
                        received_any = true;
                        outgoing = connection.handle_text(text.as_str());
                    }
                    Some(Ok(Message::Binary(bytes))) => {
                        received_any = true;
                        outgoing = match std::str::from_utf8(&bytes) {
                            Ok(text) => connection.handle_text(text),
                            Err(_) => connection.reject_invalid_utf8(),
                        };
                    }
                    Some(Ok(Message::Ping(_))) => {
                        // tungstenite queued the Pong; flushing sends it.
                        if sink.flush().await.is_err() {
                            break;
                        }
                    }
                    Some(Ok(Message::Pong(_) | Message::Frame(_))) => {}
                    Some(Ok(Message::Close(_))) | None => break,
                    Some(Err(WsError::Capacity(_))) => outgoing = connection.reject_oversized(),
                    Some(Err(error)) => {
                        debug!(%error, "websocket read failed");
                        if let Some((code, reason)) = close_for(&error) {
                            let _ = sink.send(close(code, reason)).await;
                        }
                        break;
                    }
                }
            }
            _ = sleep_until(handshake_deadline), if !received_any => {
                let _ = sink.send(close(1008, "no frame received in time")).await;
                break;
            }
            _ = sleep_until(idle_deadline) => {
                let _ = sink.send(close(1000, "idle timeout")).await;
                break;
            }
            _ = sweep.tick() => connection.expire_sessions(),
        }
    }
    connection.teardown();
    state.metrics.connections_active.dec();
}

/// The close code for a failed read, if the peer should get one.
fn close_for(error: &WsError) -> Option<(u16, &'static str)> {
    match error {
        WsError::Utf8(_) => Some((1007, "text frame is not valid UTF-8")),
        WsError::Protocol(_) => Some((1002, "protocol error")),
        _ => None,
    }
}

fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    }))
}
