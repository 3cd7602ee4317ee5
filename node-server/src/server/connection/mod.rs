//! One WebSocket connection: the E2EE protocol of E2EE.md driven by the core's `SessionStore`, with
//! this connection's limits. All session state lives in this task (no locks); generations run
//! elsewhere and report back through a channel.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use confide_core::e2ee::wire::{ConnectedFrame, ErrorFrame, echo_ids};
use confide_core::e2ee::{ClientFrame, HostFrame, SessionStore, StoreConfig, Usage, WireId};
use confide_core::{Error, ErrorCode};
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::sync::mpsc;
use tracing::warn;

use super::generation::{ActiveGeneration, GenerationKey, GenerationUpdate, protocol_error};
use super::rate::TokenBucket;
use super::state::AppState;
use crate::inference::GenerationEvent;

mod sessions;
mod streaming;

/// Consecutive authentication/decryption failures after which the connection is closed (1008).
pub const MAX_AUTH_FAILURES: u32 = 5;

/// What the connection loop must do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Outgoing {
    /// Send a text frame.
    Frame(String),
    /// Close with this code and reason.
    Close(u16, &'static str),
}

/// Frame-level facts about a session that the core's store does not keep.
#[derive(Clone, Debug, Default)]
struct SessionMeta {
    job_id: Option<WireId>,
    chain_id: Option<u64>,
}

/// The protocol state of one connection.
pub struct Connection {
    state: Arc<AppState>,
    store: SessionStore,
    encrypted_meta: HashMap<WireId, SessionMeta>,
    plaintext: HashMap<WireId, SessionMeta>,
    generations: HashMap<GenerationKey, ActiveGeneration>,
    updates: mpsc::Sender<GenerationUpdate>,
    rate: TokenBucket,
    auth_failures: u32,
    rng: StdRng,
    counted: (usize, usize),
}

/// Unix seconds now.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

impl Connection {
    /// A fresh connection; generation events arrive on the receiver paired with `updates`.
    pub fn new(state: Arc<AppState>, updates: mpsc::Sender<GenerationUpdate>) -> Self {
        let limits = &state.config.limits;
        let store = SessionStore::new(StoreConfig {
            capacity: limits.max_sessions_per_connection,
            idle_timeout_secs: limits.session_ttl.as_secs(),
        });
        let rate = TokenBucket::new(limits.rate_limit, Instant::now());
        Self {
            state,
            store,
            encrypted_meta: HashMap::new(),
            plaintext: HashMap::new(),
            generations: HashMap::new(),
            updates,
            rate,
            auth_failures: 0,
            rng: StdRng::from_rng(&mut rand::rng()),
            counted: (0, 0),
        }
    }

    /// The `connected` greeting.
    pub fn greeting(&self) -> String {
        HostFrame::Connected(ConnectedFrame {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            encryption: self.state.host_key.is_some(),
        })
        .to_json()
    }

    /// Whether any generation is still running.
    pub fn is_generating(&self) -> bool {
        !self.generations.is_empty()
    }

    /// Handles one text frame from the client.
    pub fn handle_text(&mut self, text: &str) -> Vec<Outgoing> {
        if !self.rate.try_take(Instant::now()) {
            let (session_id, id) = echo_ids(text);
            let error = Error::new(ErrorCode::RateLimited, "too many frames; slow down");
            return vec![self.error_frame(&error, session_id, id)];
        }
        let frame = match ClientFrame::parse(text) {
            Ok(frame) => frame,
            Err(error) => {
                let (session_id, id) = echo_ids(text);
                return vec![self.error_frame(&error, session_id, id)];
            }
        };
        self.state
            .metrics
            .messages_total
            .with_label_values(&[frame.kind()])
            .inc();
        let session_id = frame.session_id().cloned();
        let id = frame.id().cloned();
        let result = match frame {
            ClientFrame::Ping => Ok(vec![Outgoing::Frame(HostFrame::Pong.to_json())]),
            ClientFrame::EncryptedSessionInit(init) => self.encrypted_init(init),
            ClientFrame::EncryptedMessage(message) => self.encrypted_message(message),
            ClientFrame::SessionInit(init) => self.plaintext_init(init),
            ClientFrame::Prompt(prompt) => self.plaintext_prompt(prompt, text),
            ClientFrame::StreamCancel(cancel) => {
                if let Some(generation) = self.generations.get(&(cancel.session_id, cancel.id)) {
                    generation.cancel.cancel();
                }
                Ok(Vec::new())
            }
        };
        result.unwrap_or_else(|error| self.reject(&error, session_id, id))
    }

    /// Answers a binary frame whose bytes are not UTF-8 (`INVALID_MESSAGE`; the connection stays).
    pub fn reject_invalid_utf8(&mut self) -> Vec<Outgoing> {
        let error = Error::new(ErrorCode::InvalidMessage, "frame is not valid UTF-8");
        vec![self.error_frame(&error, None, None)]
    }

    /// A message over the size limit: `MESSAGE_TOO_LARGE`, then close 1009.
    pub fn reject_oversized(&mut self) -> Vec<Outgoing> {
        let limit = self.state.config.limits.max_frame_bytes;
        let error = Error::new(
            ErrorCode::MessageTooLarge,
            format!("message exceeds the limit of {limit} bytes"),
        );
        vec![
            self.error_frame(&error, None, None),
            Outgoing::Close(1009, "message too large"),
        ]
    }

    /// Handles an event from one of this connection's generations.
    pub fn handle_update(&mut self, update: GenerationUpdate) -> Vec<Outgoing> {
        let GenerationUpdate { key, event } = update;
        let now = Instant::now();
        let Some(generation) = self.generations.get_mut(&key) else {
            return Vec::new();
        };
        let result = match event {
            GenerationEvent::Text { text, tokens } => {
                let metrics = &self.state.metrics;
                metrics.tokens_generated_total.inc_by(u64::from(tokens));
                if generation.first_text.is_none() {
                    let waited = now.duration_since(generation.started).as_secs_f64();
                    metrics.time_to_first_token_seconds.observe(waited);
                }
                match generation.push_text(text, u64::from(tokens), now) {
                    Some(chunk) => self.chunk_frame(&key, chunk, false).map(|f| vec![f]),
                    None => Ok(Vec::new()),
                }
            }
            GenerationEvent::Done {
                finish_reason,
                prompt_tokens,
                completion_tokens,
            } => self.finish(
                &key,
                finish_reason.as_str(),
                Usage::new(u64::from(prompt_tokens), u64::from(completion_tokens)),
            ),
            GenerationEvent::Failed(error) => Err(protocol_error(&error)),
        };
        result.unwrap_or_else(|error| {
            if let Some(generation) = self.generations.remove(&key) {
                generation.cancel.cancel();
            }
            vec![self.error_frame(&error, Some(key.0), key.1)]
        })
    }

    /// Drops sessions idle past the TTL.
    pub fn expire_sessions(&mut self) {
        if self.store.expire(unix_now()) > 0 {
            let live = &self.store;
            self.encrypted_meta.retain(|id, _| live.contains(id));
            self.sync_session_counts();
        }
    }

    /// Stops every generation and forgets every session (keys are zeroized).
    pub fn teardown(&mut self) {
        for generation in self.generations.values() {
            generation.cancel.cancel();
        }
        self.generations.clear();
        self.store.clear();
        self.encrypted_meta.clear();
        self.plaintext.clear();
        self.sync_session_counts();
    }

    /// An error reply. Consecutive authentication failures are counted; the fifth closes the
    /// connection (1008).
    fn reject(
        &mut self,
        error: &Error,
        session_id: Option<WireId>,
        id: Option<WireId>,
    ) -> Vec<Outgoing> {
        let mut out = vec![self.error_frame(error, session_id, id)];
        if matches!(
            error.code(),
            ErrorCode::DecryptionFailed | ErrorCode::InvalidSignature
        ) {
            self.auth_failures += 1;
            if self.auth_failures >= MAX_AUTH_FAILURES {
                warn!(
                    "closing connection after {MAX_AUTH_FAILURES} consecutive authentication failures"
                );
                out.push(Outgoing::Close(1008, "too many authentication failures"));
            }
        }
        out
    }

    fn error_frame(
        &self,
        error: &Error,
        session_id: Option<WireId>,
        id: Option<WireId>,
    ) -> Outgoing {
        self.state
            .metrics
            .errors_total
            .with_label_values(&[error.code().as_str()])
            .inc();
        Outgoing::Frame(HostFrame::Error(ErrorFrame::new(error, session_id, id)).to_json())
    }
}
