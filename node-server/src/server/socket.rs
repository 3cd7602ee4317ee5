//! One WebSocket connection driven through the host engine: reads frames into the engine's
//! [`Connection`], carries out what it returns (frames to the writer task, generations to the
//! backends, init cryptography to the init pool), and runs the timers: handshake, idle, session
//! sweep, and the closing handshake.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use confide_core::host::{self, Connection, GenerationId, GenerationStart, Observation, Output};
use futures_util::{Stream, StreamExt};
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::error::Error as WsError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use super::generation::{GenerationUpdate, generation_request, spawn_generation};
use super::state::AppState;
use super::writer::Writer;
use crate::clock::unix_now_ms;

/// How often idle sessions are swept.
const SWEEP_INTERVAL: Duration = Duration::from_secs(30);
/// After the host sends Close, how long it keeps reading for the client's Close.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// A generation this connection started on a backend.
struct Running {
    cancel: CancellationToken,
    started: Instant,
    first_text: Option<Instant>,
}

/// Runs the protocol on an accepted WebSocket until either side closes.
pub async fn run<S>(ws: WebSocketStream<S>, state: Arc<AppState>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    state.metrics.connections_active.inc();
    state.metrics.connections_total.inc();
    let (sink, stream) = ws.split();
    let (writer, write_task) = Writer::spawn(sink, state.config.limits.write_timeout);
    let (updates_tx, updates) = mpsc::unbounded_channel();
    let mut driver = Driver {
        connection: Connection::new(Arc::clone(&state.endpoint), unix_now_ms()),
        state: Arc::clone(&state),
        writer,
        updates_tx,
        running: HashMap::new(),
        rng: StdRng::from_rng(&mut rand::rng()),
        last_io: Instant::now(),
        close_deadline: None,
    };
    driver.send(Message::text(driver.connection.greeting()));
    driver.serve(stream, updates).await;
    driver.stop_everything();
    drop(driver);
    let _ = write_task.await;
    state.metrics.connections_active.dec();
}

/// The connection's state on the driver's side of the engine.
struct Driver {
    state: Arc<AppState>,
    connection: Connection,
    writer: Writer,
    updates_tx: mpsc::UnboundedSender<GenerationUpdate>,
    running: HashMap<GenerationId, Running>,
    rng: StdRng,
    /// Last frame in either direction (the idle timeout counts from it).
    last_io: Instant,
    /// Set once the host sent its Close: read (and discard) until the client's Close or this.
    close_deadline: Option<Instant>,
}

impl Driver {
    async fn serve<R>(
        &mut self,
        mut stream: R,
        mut updates: mpsc::UnboundedReceiver<GenerationUpdate>,
    ) where
        R: Stream<Item = Result<Message, WsError>> + Unpin,
    {
        let limits = self.state.config.limits.clone();
        let handshake_deadline = Instant::now() + limits.handshake_timeout;
        let mut received_any = false;
        let mut draining = false;
        let mut sweep = tokio::time::interval(SWEEP_INTERVAL);
        let writer_failed = self.writer.failed().clone();
        let draining_signal = self.state.draining.clone();
        loop {
            if draining && !self.connection.is_generating() && self.close_deadline.is_none() {
                self.begin_close(1001, "server shutting down");
            }
            let closing = self.close_deadline.is_some();
            let idle_deadline = self.last_io + limits.idle_timeout;
            let generating = self.connection.is_generating();
            tokio::select! {
                Some((id, event)) = updates.recv() => self.generation_event(id, event),
                () = draining_signal.cancelled(), if !draining => draining = true,
                message = stream.next(), if !draining || closing => {
                    let Some(message) = message else { break };
                    if closing {
                        // Discard everything but the client's Close.
                        if matches!(message, Ok(Message::Close(_)) | Err(_)) {
                            self.writer.flush();
                            break;
                        }
                        continue;
                    }
                    received_any = true;
                    self.last_io = Instant::now();
                    if !self.read(message).await {
                        break;
                    }
                }
                () = writer_failed.cancelled() => {
                    debug!("closing a connection whose client does not read");
                    break;
                }
                () = sleep_until(handshake_deadline), if !received_any && !closing => {
                    self.begin_close(1008, "no frame received in time");
                }
                () = sleep_until(idle_deadline), if !generating && !closing => {
                    if self.writer.is_drained() {
                        self.begin_close(1000, "idle timeout");
                    } else {
                        // The client is still receiving: that is activity too.
                        self.last_io = Instant::now();
                    }
                }
                () = sleep_until(self.close_deadline.unwrap_or_else(Instant::now)), if closing => break,
                _ = sweep.tick() => self.connection.expire(unix_now_ms()),
            }
        }
    }

    /// Handles one message from the client; false when the connection is over.
    async fn read(&mut self, message: Result<Message, WsError>) -> bool {
        let now = unix_now_ms();
        let outputs = match message {
            Ok(Message::Text(text)) => self.connection.handle_frame(text.as_str(), now),
            Ok(Message::Binary(bytes)) => self.connection.handle_binary(&bytes, now),
            Ok(Message::Ping(_)) => {
                // tungstenite queued the Pong; the writer sends it.
                self.writer.flush();
                return true;
            }
            Ok(Message::Pong(_) | Message::Frame(_)) => return true,
            Ok(Message::Close(_)) => {
                // tungstenite queued the Close reply echoing the client's code.
                self.writer.flush();
                return false;
            }
            Err(WsError::Capacity(_)) => {
                let limit = self.state.config.limits.max_frame_bytes;
                self.connection.reject_oversized(limit)
            }
            Err(error) => {
                debug!(%error, "websocket read failed");
                if let Some((code, reason)) = close_for(&error) {
                    self.begin_close(code, reason);
                    return true;
                }
                return false;
            }
        };
        self.carry_out(outputs).await;
        true
    }

    /// Carries out the engine's outputs in order (an init's cryptography runs on the init pool and
    /// its outcome's outputs follow).
    async fn carry_out(&mut self, outputs: Vec<Output>) {
        let mut pending = VecDeque::from(outputs);
        while let Some(output) = pending.pop_front() {
            match output {
                Output::Frame(text) => self.send(Message::text(text)),
                Output::Close { code, reason } => self.begin_close(code, reason),
                Output::Start(start) => self.start(start),
                Output::Cancel(id) => {
                    if let Some(running) = self.running.get(&id) {
                        running.cancel.cancel();
                    }
                }
                Output::RunInit(job) => {
                    let outcome = self.state.init_pool.run(job).await;
                    pending.extend(self.connection.complete_init(outcome, unix_now_ms()));
                }
                Output::Observe(observation) => self.observe(observation),
            }
        }
    }

    fn start(&mut self, start: GenerationStart) {
        let cancel = self.state.abort_generations.child_token();
        let backend = match self.state.model(start.model.as_deref()) {
            Ok(served) => served.backend.clone(),
            Err(error) => {
                let _ = self
                    .updates_tx
                    .send((start.id, host::GenerationEvent::Failed(error)));
                return;
            }
        };
        spawn_generation(
            backend,
            generation_request(&start.request),
            start.id,
            cancel.clone(),
            self.updates_tx.clone(),
            self.state.init_pool.streaming(),
        );
        let running = Running {
            cancel,
            started: Instant::now(),
            first_text: None,
        };
        self.running.insert(start.id, running);
    }

    fn generation_event(&mut self, id: GenerationId, event: host::GenerationEvent) {
        self.measure(id, &event);
        let outputs = self
            .connection
            .handle_generation(id, event, unix_now_ms(), &mut self.rng);
        for output in outputs {
            match output {
                Output::Frame(text) => self.send(Message::text(text)),
                Output::Cancel(id) => {
                    if let Some(running) = self.running.get(&id) {
                        running.cancel.cancel();
                    }
                }
                Output::Observe(observation) => self.observe(observation),
                Output::Close { code, reason } => self.begin_close(code, reason),
                Output::Start(_) | Output::RunInit(_) => {
                    debug_assert!(false, "generation events never start work");
                }
            }
        }
    }

    /// Token, time-to-first-token and tokens/s metrics; forgets a generation when it ends.
    fn measure(&mut self, id: GenerationId, event: &host::GenerationEvent) {
        let metrics = &self.state.metrics;
        let now = Instant::now();
        match event {
            host::GenerationEvent::Text { tokens, .. } => {
                metrics.tokens_generated_total.inc_by(u64::from(*tokens));
                if let Some(running) = self.running.get_mut(&id)
                    && running.first_text.is_none()
                {
                    running.first_text = Some(now);
                    let waited = now.duration_since(running.started).as_secs_f64();
                    metrics.time_to_first_token_seconds.observe(waited);
                }
            }
            host::GenerationEvent::Finished {
                completion_tokens, ..
            } => {
                let first = self.running.remove(&id).and_then(|r| r.first_text);
                let elapsed = first.map_or(0.0, |f| now.duration_since(f).as_secs_f64());
                if *completion_tokens > 1 && elapsed > 0.0 {
                    metrics
                        .tokens_per_second
                        .observe(*completion_tokens as f64 / elapsed);
                }
            }
            host::GenerationEvent::Failed(_) => {
                self.running.remove(&id);
            }
        }
    }

    fn observe(&self, observation: Observation) {
        let metrics = &self.state.metrics;
        match observation {
            Observation::FrameReceived(kind) => {
                metrics.messages_total.with_label_values(&[kind]).inc();
            }
            Observation::Error(code) => {
                metrics
                    .errors_total
                    .with_label_values(&[code.as_str()])
                    .inc();
            }
            Observation::EncryptedSessionOpened(scheme) => {
                metrics
                    .session_inits_total
                    .with_label_values(&[scheme.as_str()])
                    .inc();
            }
            Observation::PlaintextSessionOpened => {
                tracing::warn!(
                    "plaintext session opened: plaintext mode is deprecated, clients should encrypt"
                );
                metrics
                    .session_inits_total
                    .with_label_values(&["plaintext"])
                    .inc();
            }
        }
    }

    fn send(&mut self, message: Message) {
        self.last_io = Instant::now();
        self.writer.send(message);
    }

    /// Sends our Close and starts the closing handshake (RFC 6455 §7): keep reading until the
    /// client's Close or [`CLOSE_WAIT`], so the client reads the code even mid-send.
    fn begin_close(&mut self, code: u16, reason: &'static str) {
        if self.close_deadline.is_some() {
            return;
        }
        self.stop_everything();
        self.send(Message::Close(Some(CloseFrame {
            code: CloseCode::from(code),
            reason: reason.into(),
        })));
        self.close_deadline = Some(Instant::now() + CLOSE_WAIT);
    }

    /// Stops every generation and forgets every session (keys zeroized).
    fn stop_everything(&mut self) {
        let _ = self.connection.close();
        for running in self.running.values() {
            running.cancel.cancel();
        }
    }
}

/// The close code for a failed read, if the peer should get one.
fn close_for(error: &WsError) -> Option<(u16, &'static str)> {
    match error {
        WsError::Utf8(_) => Some((1007, "text frame is not valid UTF-8")),
        WsError::Protocol(_) => Some((1002, "protocol error")),
        _ => None,
    }
}
