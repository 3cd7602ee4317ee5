//! The process-wide part of the host engine: the host key, the init replay memory, the signed
//! request guard, session accounting, the init rate limit and receipt signing. One per process,
//! shared (`Arc`) by every [`Connection`](super::Connection) and by the [`InitJob`](super::InitJob)s
//! that run on other threads.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use super::config::{HostConfig, ServedModel};
use super::rate::TokenBucket;
use super::replay_memory::{BoundedReplayMemory, ReplayMemory};
use super::request_memory::SignedRequestMemory;
use super::signed_request::SignedRequests;
use crate::crypto::{Address, SecretKey};
use crate::error::{Error, ErrorCode, Result};

/// Decides whether a client may open an encrypted session (an allow-list, a wallet registry, a
/// callback into a binding's language). Called once per init, after the signature checked out.
pub trait Authorizer: Send + Sync {
    /// Whether `client` may open a session.
    fn allows(&self, client: &Address) -> bool;
}

/// The [`Authorizer`] of a static allow-list; an empty list allows everyone.
struct AllowList(Vec<Address>);

impl Authorizer for AllowList {
    fn allows(&self, client: &Address) -> bool {
        self.0.is_empty() || self.0.contains(client)
    }
}

/// Live sessions of the whole host: all of them, and the encrypted ones.
#[derive(Debug, Default)]
struct SessionCounts {
    total: AtomicUsize,
    encrypted: AtomicUsize,
}

/// The shared state of one host (E2EE.md "Library shape"). `Send + Sync`; every method takes
/// `&self`. Time is always the caller's.
pub struct Endpoint {
    host_key: Option<SecretKey>,
    host_address: Option<Address>,
    config: HostConfig,
    replay: Box<dyn ReplayMemory>,
    authorizer: Box<dyn Authorizer>,
    signed_requests: SignedRequests,
    sessions: SessionCounts,
    init_budget: Mutex<TokenBucket>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("host_address", &self.host_address)
            .field("config", &self.config)
            .field("sessions", &self.sessions)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// A host with `host_key` (`None`: plaintext only), validated `config`, an in-process replay
    /// memory and the policy's allow-list. `now_ms` starts the init rate limit's clock.
    pub fn new(host_key: Option<SecretKey>, config: HostConfig, now_ms: u64) -> Result<Self> {
        let replay = Box::new(BoundedReplayMemory::new(config.limits.replay_capacity)?);
        let authorizer = Box::new(AllowList(config.policy.allowed_clients.clone()));
        Self::with_parts(host_key, config, replay, authorizer, now_ms)
    }

    /// [`new`](Self::new) with a replay memory shared with other replicas and an authorizer of the
    /// caller's (which replaces the policy's allow-list).
    pub fn with_parts(
        host_key: Option<SecretKey>,
        config: HostConfig,
        replay: Box<dyn ReplayMemory>,
        authorizer: Box<dyn Authorizer>,
        now_ms: u64,
    ) -> Result<Self> {
        config.validate()?;
        let limits = &config.limits;
        let signed_requests = SignedRequests::new(
            config.policy.require_signed_requests,
            limits.signed_request_capacity,
        )?;
        let init_budget =
            TokenBucket::new(limits.inits_per_second, limits.inits_per_second, now_ms);
        Ok(Self {
            host_address: host_key.as_ref().map(SecretKey::address),
            host_key,
            signed_requests,
            replay,
            authorizer,
            sessions: SessionCounts::default(),
            init_budget: Mutex::new(init_budget),
            config,
        })
    }

    /// The same host remembering accepted inits in `replay` (a store shared with other replicas)
    /// instead of in-process, keeping the policy's allow-list. Call before sharing the endpoint.
    #[must_use]
    pub fn with_replay_memory(mut self, replay: Box<dyn ReplayMemory>) -> Self {
        self.replay = replay;
        self
    }

    /// The same host remembering accepted signed requests in `memory` (a store shared with other
    /// replicas) instead of in-process. Call before sharing the endpoint.
    #[must_use]
    pub fn with_signed_request_memory(mut self, memory: Box<dyn SignedRequestMemory>) -> Self {
        self.signed_requests.set_memory(memory);
        self
    }

    /// The host key, if the host runs encrypted sessions.
    pub fn host_key(&self) -> Option<&SecretKey> {
        self.host_key.as_ref()
    }

    /// The host's address (receipts are signed by it).
    pub fn host_address(&self) -> Option<Address> {
        self.host_address
    }

    /// The configuration in force.
    pub fn config(&self) -> &HostConfig {
        &self.config
    }

    /// Live encrypted sessions across every connection.
    pub fn encrypted_sessions(&self) -> usize {
        self.sessions.encrypted.load(Ordering::Relaxed)
    }

    /// Live plaintext sessions across every connection.
    pub fn plaintext_sessions(&self) -> usize {
        let total = self.sessions.total.load(Ordering::Relaxed);
        total.saturating_sub(self.encrypted_sessions())
    }

    /// The served model a prompt's `model` names (by id or alias; `None`: the default one). With
    /// no models configured there is nothing to check: `Ok(None)`. Unknown names are
    /// `MODEL_NOT_FOUND`, listing the served ids.
    pub fn served_model(&self, requested: Option<&str>) -> Result<Option<&ServedModel>> {
        let models = &self.config.models;
        if models.is_empty() {
            return Ok(None);
        }
        let found = match requested {
            None => models.first(),
            Some(name) => models.iter().find(|m| m.is_named(name)),
        };
        found.map(Some).ok_or_else(|| {
            let served: Vec<&str> = models.iter().map(|m: &ServedModel| m.id.as_str()).collect();
            Error::new(
                ErrorCode::ModelNotFound,
                format!("model not served here; available: {}", served.join(", ")),
            )
        })
    }

    pub(crate) fn replay(&self) -> &dyn ReplayMemory {
        self.replay.as_ref()
    }

    pub(crate) fn authorizer(&self) -> &dyn Authorizer {
        self.authorizer.as_ref()
    }

    pub(crate) fn signed_requests(&self) -> &SignedRequests {
        &self.signed_requests
    }

    /// Takes one init from the host-wide budget (`RATE_LIMITED` when spent).
    pub(crate) fn take_init_budget(&self, now_ms: u64) -> Result<()> {
        let mut budget = self
            .init_budget
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if budget.try_take(now_ms) {
            return Ok(());
        }
        Err(Error::new(
            ErrorCode::RateLimited,
            "the host is receiving too many session inits; try again shortly",
        ))
    }

    /// Whether the host holds its maximum of sessions (a new one would be `TOO_MANY_SESSIONS`).
    pub fn is_at_session_limit(&self) -> bool {
        self.sessions.total.load(Ordering::Relaxed) >= self.config.limits.max_sessions
    }

    /// Reserves room for one more session of the host (`TOO_MANY_SESSIONS` at the limit).
    pub(crate) fn reserve_session(&self, encrypted: bool) -> Result<()> {
        let max = self.config.limits.max_sessions;
        self.sessions
            .total
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .map_err(|_| {
                Error::new(
                    ErrorCode::TooManySessions,
                    "the host is at its session limit; try again later",
                )
            })?;
        if encrypted {
            self.sessions.encrypted.fetch_add(1, Ordering::AcqRel);
        }
        Ok(())
    }

    /// Gives back `count` sessions reserved with [`reserve_session`](Self::reserve_session).
    pub(crate) fn release_sessions(&self, encrypted: bool, count: usize) {
        self.sessions.total.fetch_sub(count, Ordering::AcqRel);
        if encrypted {
            self.sessions.encrypted.fetch_sub(count, Ordering::AcqRel);
        }
    }
}
