//! The per-connection state machine of the host engine (E2EE.md "Library shape"): frames in,
//! frames and generation commands out; generation events in, sealed chunks, the final,
//! `stream_end` and its receipt out. Every host rule of E2EE.md and SIGNED_MESSAGES.md is applied
//! here or in the [`Endpoint`], once, for every driver.

mod open;
mod prompt;
mod respond;
mod sessions;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use rand_core::CryptoRng;

use self::sessions::Sessions;
use super::endpoint::Endpoint;
use super::generation::ActiveGeneration;
use super::init::InitOutcome;
use super::output::{GenerationEvent, GenerationId, Observation, Output};
use super::rate::TokenBucket;
use crate::e2ee::wire::{ConnectedFrame, ErrorFrame, PongFrame, echo_ids};
use crate::e2ee::{ClientFrame, HostFrame, WireId};
use crate::error::{Error, ErrorCode};

/// Frames held while an init's cryptography runs; more are refused with `RATE_LIMITED`.
const MAX_QUEUED_FRAMES: usize = 16;

/// WebSocket close code for a policy violation.
const CLOSE_POLICY: u16 = 1008;
/// WebSocket close code for a message over the size limit.
const CLOSE_TOO_BIG: u16 = 1009;

/// Whether a generation of `session_id` is running (the session is then in use).
fn generating_for(
    generations: &HashMap<GenerationId, ActiveGeneration>,
    session_id: &WireId,
) -> bool {
    generations.values().any(|g| g.session_id == *session_id)
}

/// The answer to a frame over the connection's budget.
fn rate_limited() -> Error {
    Error::new(ErrorCode::RateLimited, "too many frames; slow down")
}

/// One client connection to the host. Sans-IO: the driver feeds it frames, generation events and
/// the time, and carries out the [`Output`]s in order. Dropping it gives back its sessions' slots
/// and zeroizes their keys (drivers should call [`close`](Self::close) first to stop generations).
#[derive(Debug)]
pub struct Connection {
    endpoint: Arc<Endpoint>,
    sessions: Sessions,
    generations: HashMap<GenerationId, ActiveGeneration>,
    next_generation: u64,
    frame_budget: TokenBucket,
    auth_failures: u32,
    init_pending: bool,
    queued: VecDeque<String>,
    closed: bool,
}

impl Connection {
    /// A new connection of `endpoint`, opened at `now_ms` (Unix milliseconds).
    pub fn new(endpoint: Arc<Endpoint>, now_ms: u64) -> Self {
        let rate = endpoint.config().limits.frames_per_second;
        Self {
            sessions: Sessions::new(Arc::clone(&endpoint)),
            generations: HashMap::new(),
            next_generation: 0,
            frame_budget: TokenBucket::new(rate, rate.saturating_mul(2), now_ms),
            auth_failures: 0,
            init_pending: false,
            queued: VecDeque::new(),
            closed: false,
            endpoint,
        }
    }

    /// The endpoint this connection belongs to.
    pub fn endpoint(&self) -> &Arc<Endpoint> {
        &self.endpoint
    }

    /// The `connected` greeting to send first.
    pub fn greeting(&self) -> String {
        HostFrame::Connected(ConnectedFrame {
            version: self.endpoint.config().version.clone(),
            encryption: self.endpoint.host_key().is_some(),
        })
        .to_json()
    }

    /// Whether any generation is running.
    pub fn is_generating(&self) -> bool {
        !self.generations.is_empty()
    }

    /// Whether the engine has closed the connection (after an [`Output::Close`]).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Live sessions on this connection.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Handles one text frame received at `now_ms`.
    pub fn handle_frame(&mut self, text: &str, now_ms: u64) -> Vec<Output> {
        let mut out = Vec::new();
        if self.closed {
            return out;
        }
        if !self.frame_budget.try_take(now_ms) {
            let (session_id, id) = echo_ids(text);
            self.send_error(&mut out, &rate_limited(), session_id, id);
            return out;
        }
        if self.init_pending {
            self.queue(text, &mut out);
            return out;
        }
        self.dispatch(text, now_ms, &mut out);
        out
    }

    /// [`handle_frame`](Self::handle_frame) for drivers without an event loop to protect (the
    /// bindings' host APIs, tests): an init's cryptography runs on the calling thread, so the
    /// outputs never contain [`Output::RunInit`].
    pub fn handle_frame_inline(&mut self, text: &str, now_ms: u64) -> Vec<Output> {
        let mut done = Vec::new();
        let mut pending = self.handle_frame(text, now_ms);
        while !pending.is_empty() {
            let mut next = Vec::new();
            for output in pending {
                match output {
                    Output::RunInit(job) => next.extend(self.complete_init(job.run(), now_ms)),
                    other => done.push(other),
                }
            }
            pending = next;
        }
        done
    }

    /// Handles one binary frame: its bytes must be a UTF-8 text frame (`INVALID_MESSAGE`
    /// otherwise). Counted against the same frame budget as text frames.
    pub fn handle_binary(&mut self, bytes: &[u8], now_ms: u64) -> Vec<Output> {
        match std::str::from_utf8(bytes) {
            Ok(text) => self.handle_frame(text, now_ms),
            Err(_) if self.closed => Vec::new(),
            Err(_) => {
                let mut out = Vec::new();
                let error = if self.frame_budget.try_take(now_ms) {
                    Error::new(ErrorCode::InvalidMessage, "frame is not valid UTF-8")
                } else {
                    rate_limited()
                };
                self.send_error(&mut out, &error, None, None);
                out
            }
        }
    }

    /// A frame over the driver's size limit of `limit` bytes: `MESSAGE_TOO_LARGE`, then close 1009.
    pub fn reject_oversized(&mut self, limit: usize) -> Vec<Output> {
        let mut out = Vec::new();
        if self.closed {
            return out;
        }
        let error = Error::new(
            ErrorCode::MessageTooLarge,
            format!("message exceeds the limit of {limit} bytes"),
        );
        self.send_error(&mut out, &error, None, None);
        self.close_with(&mut out, CLOSE_TOO_BIG, "message too large");
        out
    }

    /// Takes the outcome of an [`InitJob`](super::InitJob) this connection produced, then handles the
    /// frames that arrived meanwhile.
    pub fn complete_init(&mut self, outcome: InitOutcome, now_ms: u64) -> Vec<Output> {
        let mut out = Vec::new();
        self.init_pending = false;
        if self.closed {
            return out;
        }
        self.finish_init(outcome, now_ms / 1000, &mut out);
        while !self.init_pending && !self.closed {
            let Some(text) = self.queued.pop_front() else {
                break;
            };
            self.dispatch(&text, now_ms, &mut out);
        }
        out
    }

    /// Takes an event of generation `id`. Events of generations the engine no longer runs
    /// (cancelled by a re-key, a close or an error) are ignored.
    pub fn handle_generation(
        &mut self,
        id: GenerationId,
        event: GenerationEvent,
        now_ms: u64,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Vec<Output> {
        let mut out = Vec::new();
        if self.generations.contains_key(&id) {
            self.respond(id, event, now_ms / 1000, rng, &mut out);
        }
        out
    }

    /// Drops sessions idle past the TTL at `now_ms` (sessions with a running generation are in
    /// use). Call it periodically.
    pub fn expire(&mut self, now_ms: u64) {
        let generations = &self.generations;
        self.sessions.expire(now_ms / 1000, |session_id| {
            generating_for(generations, session_id)
        });
    }

    /// Ends the connection: every running generation is cancelled, every session forgotten (keys
    /// zeroized). Returns the cancellations for the driver.
    pub fn close(&mut self) -> Vec<Output> {
        self.closed = true;
        self.queued.clear();
        self.sessions.clear();
        self.cancel_where(|_| true)
    }

    fn dispatch(&mut self, text: &str, now_ms: u64, out: &mut Vec<Output>) {
        let frame = match ClientFrame::parse(text) {
            Ok(frame) => frame,
            Err(error) => {
                let (session_id, id) = echo_ids(text);
                self.send_error(out, &error, session_id, id);
                return;
            }
        };
        out.push(Output::Observe(Observation::FrameReceived(frame.kind())));
        let session_id = frame.session_id().cloned();
        let id = frame.id().cloned();
        let now = now_ms / 1000;
        let result = match frame {
            ClientFrame::Ping(ping) => {
                out.push(Output::Frame(
                    HostFrame::Pong(PongFrame { id: ping.id }).to_json(),
                ));
                Ok(())
            }
            ClientFrame::EncryptedSessionInit(init) => self.begin_init(init, now_ms, out),
            ClientFrame::EncryptedMessage(message) => self.encrypted_message(message, now, out),
            ClientFrame::SessionInit(init) => self.plaintext_init(init, out),
            ClientFrame::Prompt(prompt) => self.plaintext_prompt(prompt, text, now, out),
            ClientFrame::StreamCancel(cancel) => {
                self.stream_cancel(&cancel.session_id, cancel.id.as_ref(), out);
                Ok(())
            }
        };
        if let Err(error) = result {
            self.reject(out, &error, session_id, id);
        }
    }

    fn queue(&mut self, text: &str, out: &mut Vec<Output>) {
        if self.queued.len() < MAX_QUEUED_FRAMES {
            self.queued.push_back(text.to_owned());
            return;
        }
        let error = Error::new(
            ErrorCode::RateLimited,
            "too many frames while the session init is verified; slow down",
        );
        let (session_id, id) = echo_ids(text);
        self.send_error(out, &error, session_id, id);
    }

    /// An error reply; consecutive authentication failures are counted, and the one after the
    /// allowed number closes the connection (1008).
    fn reject(
        &mut self,
        out: &mut Vec<Output>,
        error: &Error,
        session_id: Option<WireId>,
        id: Option<WireId>,
    ) {
        self.send_error(out, error, session_id, id);
        if matches!(
            error.code(),
            ErrorCode::DecryptionFailed | ErrorCode::InvalidSignature
        ) {
            self.auth_failures += 1;
            if self.auth_failures > self.endpoint.config().limits.max_auth_failures {
                self.close_with(out, CLOSE_POLICY, "too many authentication failures");
            }
        }
    }

    fn send_error(
        &self,
        out: &mut Vec<Output>,
        error: &Error,
        session_id: Option<WireId>,
        id: Option<WireId>,
    ) {
        out.push(Output::Observe(Observation::Error(error.code())));
        out.push(Output::Frame(
            HostFrame::Error(ErrorFrame::new(error, session_id, id)).to_json(),
        ));
    }

    fn close_with(&mut self, out: &mut Vec<Output>, code: u16, reason: &'static str) {
        out.append(&mut self.close());
        out.push(Output::Close { code, reason });
    }

    /// Forgets the generations `which` selects and tells the driver to stop them.
    fn cancel_where(&mut self, which: impl Fn(&ActiveGeneration) -> bool) -> Vec<Output> {
        let mut ids: Vec<GenerationId> = self
            .generations
            .iter()
            .filter(|(_, g)| which(g))
            .map(|(&id, _)| id)
            .collect();
        ids.sort_unstable();
        for id in &ids {
            self.generations.remove(id);
        }
        ids.into_iter().map(Output::Cancel).collect()
    }
}
