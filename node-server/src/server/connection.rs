//! One WebSocket connection: the E2EE protocol of E2EE.md driven by the core's `SessionStore`, with
//! this connection's limits. All session state lives in this task (no locks); generations run
//! elsewhere and report back through a channel.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use confide_core::e2ee::wire::{
    ConnectedFrame, EncryptedMessageFrame, ErrorFrame, PlainPromptFrame, PlainSessionInitFrame,
    SessionInitAckFrame, SessionInitFrame, StreamChunkFrame, StreamEndFrame, echo_ids,
};
use confide_core::e2ee::{
    ClientFrame, HostFrame, PromptRequest, SessionStore, StoreConfig, Usage, WireId,
};
use confide_core::signed::UsageRecord;
use confide_core::{Error, ErrorCode, Result};
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::sync::mpsc;
use tracing::{debug, warn};

use super::generation::{
    ActiveGeneration, GenerationKey, GenerationUpdate, ReadyChunk, generation_request,
    protocol_error, spawn_generation,
};
use super::rate::TokenBucket;
use super::state::AppState;
use crate::inference::GenerationEvent;
use crate::receipt::sign_receipt;

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
            ClientFrame::Prompt(prompt) => self.plaintext_prompt(prompt),
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

    fn encrypted_init(&mut self, init: SessionInitFrame) -> Result<Vec<Outgoing>> {
        let state = Arc::clone(&self.state);
        let host_key = state.host_key.as_ref().ok_or_else(|| {
            Error::new(
                ErrorCode::EncryptionNotSupported,
                "this host has no key; use the plaintext session_init",
            )
        })?;
        if self.plaintext.contains_key(&init.session_id) {
            return Err(session_id_in_use());
        }
        if !self.store.contains(&init.session_id) {
            self.check_new_session_capacity()?;
        }
        let policy = &state.config.policy;
        let accepted = self
            .store
            .accept_init(host_key, &init, unix_now(), |address| {
                policy.allows(address)
            })?;
        self.auth_failures = 0;
        if accepted.rekeyed {
            self.cancel_generations_of(&init.session_id);
        }
        self.encrypted_meta.insert(
            init.session_id.clone(),
            SessionMeta {
                job_id: init.job_id.clone(),
                chain_id: init.chain_id,
            },
        );
        self.sync_session_counts();
        state
            .metrics
            .session_inits_total
            .with_label_values(&[accepted.scheme.as_str()])
            .inc();
        debug!(scheme = accepted.scheme.as_str(), client = %accepted.client_address, "encrypted session accepted");
        let ack = SessionInitAckFrame::new(
            init.session_id,
            init.job_id,
            init.chain_id,
            init.id,
            Some(&accepted.client_address),
        );
        Ok(vec![Outgoing::Frame(
            HostFrame::SessionInitAck(ack).to_json(),
        )])
    }

    fn encrypted_message(&mut self, message: EncryptedMessageFrame) -> Result<Vec<Outgoing>> {
        let session = self.store.session_mut(&message.session_id, unix_now())?;
        let prompt = session.open_message(message.payload.as_ref())?;
        let model = prompt
            .model
            .clone()
            .or_else(|| session.model_name().map(str::to_owned));
        self.auth_failures = 0;
        self.start_generation((message.session_id, message.id), &prompt, true, model)
    }

    fn plaintext_init(&mut self, init: PlainSessionInitFrame) -> Result<Vec<Outgoing>> {
        self.refuse_plaintext_when_required()?;
        if self.store.contains(&init.session_id) {
            return Err(session_id_in_use());
        }
        if !self.plaintext.contains_key(&init.session_id) {
            self.check_new_session_capacity()?;
        }
        warn!("plaintext session opened: plaintext mode is deprecated, clients should encrypt");
        self.plaintext.insert(
            init.session_id.clone(),
            SessionMeta {
                job_id: init.job_id.clone(),
                chain_id: init.chain_id,
            },
        );
        self.sync_session_counts();
        self.state
            .metrics
            .session_inits_total
            .with_label_values(&["plaintext"])
            .inc();
        let ack =
            SessionInitAckFrame::new(init.session_id, init.job_id, init.chain_id, init.id, None);
        Ok(vec![Outgoing::Frame(
            HostFrame::SessionInitAck(ack).to_json(),
        )])
    }

    fn plaintext_prompt(&mut self, prompt: PlainPromptFrame) -> Result<Vec<Outgoing>> {
        if self.store.contains(&prompt.session_id) {
            return Err(Error::new(
                ErrorCode::EncryptionRequired,
                "this session is encrypted; send encrypted_message",
            ));
        }
        self.refuse_plaintext_when_required()?;
        if !self.plaintext.contains_key(&prompt.session_id) {
            return Err(Error::new(
                ErrorCode::SessionKeyNotFound,
                "no session with this id; send session_init first",
            ));
        }
        let request = PromptRequest::from_object(prompt.request)?;
        let model = request.model.clone();
        self.start_generation((prompt.session_id, prompt.id), &request, false, model)
    }

    fn start_generation(
        &mut self,
        key: GenerationKey,
        prompt: &PromptRequest,
        encrypted: bool,
        model: Option<String>,
    ) -> Result<Vec<Outgoing>> {
        if self.generations.contains_key(&key) {
            return Err(Error::new(
                ErrorCode::InvalidMessage,
                "a request with this id is already running in this session",
            ));
        }
        if self.generations.len() >= self.state.config.limits.max_generations_per_connection {
            return Err(Error::new(
                ErrorCode::RateLimited,
                "too many requests running on this connection",
            ));
        }
        let served = self.state.model(model.as_deref())?;
        let cancel = self.state.abort_generations.child_token();
        spawn_generation(
            served.backend.clone(),
            generation_request(prompt),
            key.clone(),
            cancel.clone(),
            self.updates.clone(),
        );
        let generation =
            ActiveGeneration::new(cancel, encrypted, served.info.id.clone(), Instant::now());
        self.generations.insert(key, generation);
        Ok(Vec::new())
    }

    fn chunk_frame(
        &mut self,
        key: &GenerationKey,
        chunk: ReadyChunk,
        is_final: bool,
    ) -> Result<Outgoing> {
        let (session_id, id) = key;
        let encrypted = self.generations.get(key).is_some_and(|g| g.encrypted);
        let frame = if encrypted {
            let session = self.store.session_mut(session_id, unix_now())?;
            session.seal_chunk(
                &mut self.rng,
                id.as_ref(),
                chunk.index,
                &chunk.text,
                chunk.tokens,
                is_final,
            )
        } else {
            HostFrame::StreamChunk(StreamChunkFrame {
                session_id: Some(session_id.clone()),
                id: id.clone(),
                content: chunk.text,
                tokens: chunk.tokens,
                index: chunk.index,
            })
            .to_json()
        };
        Ok(Outgoing::Frame(frame))
    }

    fn finish(
        &mut self,
        key: &GenerationKey,
        finish_reason: &str,
        usage: Usage,
    ) -> Result<Vec<Outgoing>> {
        let mut out = Vec::new();
        let last = self
            .generations
            .get_mut(key)
            .and_then(ActiveGeneration::take_last);
        if let Some(chunk) = last {
            out.push(self.chunk_frame(key, chunk, true)?);
        }
        let Some(generation) = self.generations.remove(key) else {
            return Ok(out);
        };
        let (session_id, id) = key;
        let now = unix_now();
        let (client_address, job_id, chain_id) = if generation.encrypted {
            let session = self.store.session_mut(session_id, now)?;
            out.push(Outgoing::Frame(session.seal_final(
                &mut self.rng,
                id.as_ref(),
                finish_reason,
            )));
            let meta = self
                .encrypted_meta
                .get(session_id)
                .cloned()
                .unwrap_or_default();
            (
                session.client_address().to_checksum(),
                session.job_id().map(str::to_owned),
                meta.chain_id,
            )
        } else {
            let meta = self.plaintext.get(session_id).cloned().unwrap_or_default();
            (
                String::new(),
                meta.job_id.map(|j| j.to_string()),
                meta.chain_id,
            )
        };
        let elapsed = generation
            .first_text
            .map(|first| first.elapsed().as_secs_f64())
            .unwrap_or_default();
        if usage.completion_tokens > 1 && elapsed > 0.0 {
            self.state
                .metrics
                .tokens_per_second
                .observe(usage.completion_tokens as f64 / elapsed);
        }
        let receipt = self.state.host_key.as_ref().map(|key| {
            let record = UsageRecord {
                session_id: session_id.to_string(),
                job_id,
                chain_id,
                model: generation.model.clone(),
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
                response_sha256: confide_core::hex::encode(&generation.hasher.clone().finish()),
                client_address,
                timestamp: now,
            };
            sign_receipt(record, key, &mut self.rng)
        });
        let end = StreamEndFrame {
            session_id: Some(session_id.clone()),
            id: id.clone(),
            reason: "complete".to_owned(),
            finish_reason: Some(finish_reason.to_owned()),
            tokens_used: usage.completion_tokens,
            usage: Some(usage),
            receipt,
        };
        out.push(Outgoing::Frame(HostFrame::StreamEnd(end).to_json()));
        Ok(out)
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

    fn refuse_plaintext_when_required(&self) -> Result<()> {
        if self.state.config.policy.require_encryption {
            return Err(Error::new(
                ErrorCode::EncryptionRequired,
                "this host requires encrypted sessions (encrypted_session_init)",
            ));
        }
        Ok(())
    }

    fn check_new_session_capacity(&self) -> Result<()> {
        let limits = &self.state.config.limits;
        if self.store.len() + self.plaintext.len() >= limits.max_sessions_per_connection {
            return Err(Error::new(
                ErrorCode::TooManySessions,
                format!(
                    "limit of {} sessions per connection reached",
                    limits.max_sessions_per_connection
                ),
            ));
        }
        if self.state.sessions.load(Ordering::Relaxed) >= limits.max_sessions {
            return Err(Error::new(
                ErrorCode::TooManySessions,
                "the host is at its session limit; try again later",
            ));
        }
        Ok(())
    }

    fn cancel_generations_of(&mut self, session_id: &WireId) {
        self.generations.retain(|(session, _), generation| {
            let keep = session != session_id;
            if !keep {
                generation.cancel.cancel();
            }
            keep
        });
    }

    /// Brings the process-wide session count and gauges in line with this connection's sessions.
    fn sync_session_counts(&mut self) {
        let now = (self.store.len(), self.plaintext.len());
        let gauges = &self.state.metrics.sessions_active;
        let delta = |new: usize, old: usize| new as i64 - old as i64;
        gauges
            .with_label_values(&["encrypted"])
            .add(delta(now.0, self.counted.0));
        gauges
            .with_label_values(&["plaintext"])
            .add(delta(now.1, self.counted.1));
        let (new_total, old_total) = (now.0 + now.1, self.counted.0 + self.counted.1);
        if new_total >= old_total {
            self.state
                .sessions
                .fetch_add(new_total - old_total, Ordering::Relaxed);
        } else {
            self.state
                .sessions
                .fetch_sub(old_total - new_total, Ordering::Relaxed);
        }
        self.counted = now;
    }
}

fn session_id_in_use() -> Error {
    Error::new(
        ErrorCode::SessionIdInUse,
        "session id is already used by another session on this connection",
    )
}
