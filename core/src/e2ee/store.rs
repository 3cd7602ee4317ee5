//! The host's session store: accepted sessions by id, init replay memory, capacity and idle expiry.
//! Time is always the caller's `now` (Unix seconds).

use std::collections::HashMap;

use super::host::{HostSession, InitFields, InitFingerprint};
use super::scheme::SignatureScheme;
use super::wire::{SessionInitFrame, WireId};
use crate::crypto::{Address, SecretKey};
use crate::error::{Error, ErrorCode, Result};

/// Limits of a [`SessionStore`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreConfig {
    /// Maximum number of live sessions; a new one past it is `TOO_MANY_SESSIONS`.
    pub capacity: usize,
    /// Seconds without activity after which a session is dropped (and its key zeroized).
    pub idle_timeout_secs: u64,
}

impl Default for StoreConfig {
    /// 1,024 sessions, 30 minutes idle timeout.
    fn default() -> Self {
        Self {
            capacity: 1024,
            idle_timeout_secs: 30 * 60,
        }
    }
}

/// The outcome of an accepted `encrypted_session_init`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitAccepted {
    /// The address recovered from the client's signature.
    pub client_address: Address,
    /// The scheme the client signed with.
    pub scheme: SignatureScheme,
    /// True when the init re-keyed an existing session of the same client.
    pub rekeyed: bool,
}

/// Encrypted sessions of one connection (or one process), keyed by session id.
#[derive(Debug, Default)]
pub struct SessionStore {
    config: StoreConfig,
    sessions: HashMap<WireId, HostSession>,
    /// Accepted inits and when they stop mattering (the session TTL after acceptance).
    seen_inits: HashMap<InitFingerprint, u64>,
}

impl SessionStore {
    /// An empty store with the given limits.
    pub fn new(config: StoreConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Verifies and stores an `encrypted_session_init` (E2EE.md §1): fields → replay
    /// (`REPLAY_DETECTED`) → ECDH → decrypt → session data → signature → `authorize` (`UNAUTHORIZED`)
    /// → id ownership (`SESSION_ID_IN_USE`) → capacity (`TOO_MANY_SESSIONS`).
    pub fn accept_init(
        &mut self,
        host_key: &SecretKey,
        frame: &SessionInitFrame,
        now: u64,
        authorize: impl FnOnce(&Address) -> bool,
    ) -> Result<InitAccepted> {
        let payload = frame.payload.as_ref().ok_or_else(|| {
            Error::new(
                ErrorCode::MissingPayload,
                "encrypted_session_init needs a `payload`",
            )
        })?;
        let fields = InitFields::decode(payload)?;
        let fingerprint = fields.fingerprint();
        if self
            .seen_inits
            .get(&fingerprint)
            .is_some_and(|&until| until > now)
        {
            return Err(Error::new(
                ErrorCode::ReplayDetected,
                "this session init was already accepted",
            ));
        }
        let verified = fields.verify(host_key, payload)?;
        let client_address = verified.client_address;
        let scheme = verified.scheme;
        if !authorize(&client_address) {
            return Err(Error::new(
                ErrorCode::Unauthorized,
                format!("client {client_address} is not allowed on this host"),
            ));
        }
        if !self.sessions.contains_key(&frame.session_id)
            && self.sessions.len() >= self.config.capacity
        {
            self.expire(now);
        }
        let at_capacity = self.sessions.len() >= self.config.capacity;
        let rekeyed = match self.sessions.get_mut(&frame.session_id) {
            Some(existing) if existing.client_address() == client_address => {
                existing.rekey(verified, now);
                true
            }
            Some(_) => {
                return Err(Error::new(
                    ErrorCode::SessionIdInUse,
                    "session id belongs to another client",
                ));
            }
            None if at_capacity => {
                return Err(Error::new(
                    ErrorCode::TooManySessions,
                    format!("session limit of {} reached", self.config.capacity),
                ));
            }
            None => {
                let session = HostSession::new(frame.session_id.clone(), verified, now);
                self.sessions.insert(frame.session_id.clone(), session);
                false
            }
        };
        if self.seen_inits.len() >= self.config.capacity.saturating_mul(4) {
            self.seen_inits.retain(|_, &mut until| until > now);
        }
        self.seen_inits.insert(
            fingerprint,
            now.saturating_add(self.config.idle_timeout_secs),
        );
        Ok(InitAccepted {
            client_address,
            scheme,
            rekeyed,
        })
    }

    /// The live session `session_id`, touched at `now`; an unknown or idle-expired id is
    /// `SESSION_KEY_NOT_FOUND`.
    pub fn session_mut(&mut self, session_id: &WireId, now: u64) -> Result<&mut HostSession> {
        if self
            .sessions
            .get(session_id)
            .is_some_and(|s| self.is_expired(s, now))
        {
            self.sessions.remove(session_id);
        }
        let session = self.sessions.get_mut(session_id).ok_or_else(|| {
            Error::new(
                ErrorCode::SessionKeyNotFound,
                "no encrypted session with this id (never initialised, expired or closed)",
            )
        })?;
        session.last_activity = now;
        Ok(session)
    }

    /// Whether `session_id` is a live encrypted session (plaintext prompts to it are refused).
    pub fn contains(&self, session_id: &WireId) -> bool {
        self.sessions.contains_key(session_id)
    }

    /// Drops a session and zeroizes its key. Returns whether it existed.
    pub fn remove(&mut self, session_id: &WireId) -> bool {
        self.sessions.remove(session_id).is_some()
    }

    /// Drops every session idle past the timeout, and init fingerprints past their window.
    /// Returns the number of sessions dropped.
    pub fn expire(&mut self, now: u64) -> usize {
        let before = self.sessions.len();
        let timeout = self.config.idle_timeout_secs;
        self.sessions
            .retain(|_, s| now.saturating_sub(s.last_activity) < timeout);
        self.seen_inits.retain(|_, &mut until| until > now);
        before - self.sessions.len()
    }

    /// Number of live sessions.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether the store holds no session.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Drops every session (on disconnect); keys are zeroized.
    pub fn clear(&mut self) {
        self.sessions.clear();
        self.seen_inits.clear();
    }

    fn is_expired(&self, session: &HostSession, now: u64) -> bool {
        now.saturating_sub(session.last_activity) >= self.config.idle_timeout_secs
    }
}
