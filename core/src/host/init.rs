//! The handshake cryptography of an `encrypted_session_init` as a job the driver runs off its
//! event loop: replay pre-check → ECDH → decrypt → session data → freshness → recovery →
//! authorization. What needs the connection's state (id ownership, capacity, recording the
//! fingerprint) happens when the outcome comes back to
//! [`Connection::complete_init`](super::Connection::complete_init).

use std::fmt;
use std::sync::Arc;

use super::endpoint::Endpoint;
use super::replay_memory::InitFingerprint;
use crate::e2ee::host::{InitFields, VerifiedInit};
use crate::e2ee::wire::SessionInitFrame;
use crate::error::{Error, ErrorCode, Result};

/// An init waiting for its cryptography. `Send + 'static`: run it anywhere with [`run`](Self::run).
pub struct InitJob {
    endpoint: Arc<Endpoint>,
    frame: SessionInitFrame,
    now: u64,
}

impl fmt::Debug for InitJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InitJob")
            .field("session_id", &self.frame.session_id)
            .finish_non_exhaustive()
    }
}

/// The result of an [`InitJob`], to hand back to the connection that produced the job.
pub struct InitOutcome {
    pub(crate) frame: SessionInitFrame,
    pub(crate) result: Result<VerifiedHandshake>,
}

impl fmt::Debug for InitOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InitOutcome")
            .field("session_id", &self.frame.session_id)
            .field("accepted", &self.result.is_ok())
            .finish()
    }
}

/// A handshake that verified: the session to store and how long its fingerprint must be kept.
pub(crate) struct VerifiedHandshake {
    pub init: VerifiedInit,
    pub fingerprint: InitFingerprint,
    /// Whether the init carried a fresh `timestamp` (then it is stale after the freshness window,
    /// and its fingerprint need not outlive that).
    pub timestamped: bool,
}

impl InitJob {
    pub(crate) fn new(endpoint: Arc<Endpoint>, frame: SessionInitFrame, now: u64) -> Self {
        Self {
            endpoint,
            frame,
            now,
        }
    }

    /// Runs the cryptography (about 0.1–0.2 ms of CPU).
    pub fn run(self) -> InitOutcome {
        let result = verify(&self.endpoint, &self.frame, self.now);
        InitOutcome {
            frame: self.frame,
            result,
        }
    }
}

fn verify(endpoint: &Endpoint, frame: &SessionInitFrame, now: u64) -> Result<VerifiedHandshake> {
    let host_key = endpoint
        .host_key()
        .ok_or_else(|| Error::internal("init job on a host without a key"))?;
    let payload = frame.payload.as_ref().ok_or_else(|| {
        Error::new(
            ErrorCode::MissingPayload,
            "encrypted_session_init needs a `payload`",
        )
    })?;
    let fields = InitFields::decode(payload)?;
    let fingerprint = fields.fingerprint();
    if endpoint.replay().contains(&fingerprint, now)? {
        return Err(already_accepted());
    }
    let init = fields.verify(host_key, payload)?;
    let timestamped = check_freshness(endpoint, init.data.timestamp, now)?;
    if !endpoint.authorizer().allows(&init.client_address) {
        return Err(Error::new(
            ErrorCode::Unauthorized,
            format!("client {} is not allowed on this host", init.client_address),
        ));
    }
    Ok(VerifiedHandshake {
        init,
        fingerprint,
        timestamped,
    })
}

/// E2EE.md §1 "Freshness": a `timestamp` must be within the window of the host's clock; without
/// one, the init is accepted unless the policy requires freshness. Returns whether it had one.
fn check_freshness(endpoint: &Endpoint, timestamp: Option<u64>, now: u64) -> Result<bool> {
    let window = endpoint.config().limits.init_freshness_secs;
    match timestamp {
        Some(sent) if sent.abs_diff(now) > window => Err(Error::new(
            ErrorCode::ReplayDetected,
            format!("the init's timestamp is outside the {window} s window of the host's clock"),
        )),
        Some(_) => Ok(true),
        None if endpoint.config().policy.require_fresh_init => Err(Error::invalid_session_data(
            "this host requires `timestamp` (Unix seconds) in the session data",
        )),
        None => Ok(false),
    }
}

/// `REPLAY_DETECTED` for an init that was accepted before.
pub(crate) fn already_accepted() -> Error {
    Error::new(
        ErrorCode::ReplayDetected,
        "this session init was already accepted",
    )
}
