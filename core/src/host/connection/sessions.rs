//! The sessions of one connection: encrypted (a [`HostSession`] and what keeps its inits from
//! replaying) and plaintext, each counted against the host's session limit while it lives.

use std::collections::HashMap;
use std::sync::Arc;

use crate::e2ee::{HostSession, WireId};
use crate::error::{Error, ErrorCode, Result};
use crate::host::endpoint::Endpoint;
use crate::host::replay_memory::InitFingerprint;

/// An encrypted session and its replay bookkeeping.
#[derive(Debug)]
pub(crate) struct EncryptedSession {
    /// Key, client, counters.
    pub session: HostSession,
    /// The chain id for receipts: from the encrypted session data when it carries one (bound by
    /// the client's signature), else from the init frame.
    pub chain_id: Option<u64>,
    /// Fingerprints of the untimestamped inits that keyed this session: remembered host-wide for
    /// as long as the session is used, so none of them can replay while it lives.
    pub fingerprints: Vec<InitFingerprint>,
    /// Until when (Unix seconds) the fingerprints are known to be remembered.
    pub remembered_until: u64,
}

/// A plaintext session (deprecated mode): just the ids its receipts carry.
#[derive(Clone, Debug, Default)]
pub(crate) struct PlaintextSession {
    pub job_id: Option<WireId>,
    pub chain_id: Option<u64>,
}

/// The session tables of one connection; every live session holds one of the host's session slots,
/// given back when it is removed or the table is dropped.
#[derive(Debug)]
pub(crate) struct Sessions {
    endpoint: Arc<Endpoint>,
    pub encrypted: HashMap<WireId, EncryptedSession>,
    pub plaintext: HashMap<WireId, PlaintextSession>,
}

impl Sessions {
    pub fn new(endpoint: Arc<Endpoint>) -> Self {
        Self {
            endpoint,
            encrypted: HashMap::new(),
            plaintext: HashMap::new(),
        }
    }

    /// Sessions on this connection.
    pub fn len(&self) -> usize {
        self.encrypted.len() + self.plaintext.len()
    }

    /// `TOO_MANY_SESSIONS` when this connection holds its maximum of sessions.
    pub fn check_room(&self) -> Result<()> {
        let max = self.endpoint.config().limits.max_sessions_per_connection;
        if self.len() >= max {
            return Err(Error::new(
                ErrorCode::TooManySessions,
                format!("limit of {max} sessions per connection reached"),
            ));
        }
        Ok(())
    }

    /// Adds an encrypted session (its host slot reserved by the caller).
    pub fn insert_encrypted(&mut self, id: WireId, session: EncryptedSession) {
        self.encrypted.insert(id, session);
    }

    /// Drops an encrypted session (its key zeroized) and gives back its slot.
    pub fn remove_encrypted(&mut self, id: &WireId) {
        if self.encrypted.remove(id).is_some() {
            self.endpoint.release_sessions(true, 1);
        }
    }

    /// Adds a plaintext session, reserving a host slot.
    pub fn insert_plaintext(&mut self, id: WireId, session: PlaintextSession) -> Result<()> {
        if !self.plaintext.contains_key(&id) {
            self.check_room()?;
            self.endpoint.reserve_session(false)?;
        }
        self.plaintext.insert(id, session);
        Ok(())
    }

    /// The plaintext session of a prompt that names none: the only one on this connection, or the
    /// only one whose job id is `job_id` (`"1919"` and `1919` are the same job). Anything else is
    /// `INVALID_MESSAGE` naming the missing `session_id`.
    pub fn plaintext_by_job(&self, job_id: Option<&WireId>) -> Result<WireId> {
        let same_job = |session: &PlaintextSession| match (job_id, &session.job_id) {
            (Some(wanted), Some(own)) => wanted.to_string() == own.to_string(),
            (Some(_), None) => false,
            (None, _) => true,
        };
        let mut candidates = self.plaintext.iter().filter(|(_, s)| same_job(s));
        match (candidates.next(), candidates.next()) {
            (Some((id, _)), None) => Ok(id.clone()),
            (None, _) => Err(Error::invalid_message(
                "missing field `session_id` (and no plaintext session of this job on this connection)",
            )),
            (Some(_), Some(_)) => Err(Error::invalid_message(
                "missing field `session_id` (several plaintext sessions could be meant; send session_id or jobId)",
            )),
        }
    }

    /// Drops encrypted sessions idle for the TTL at `now` (keys zeroized) unless `busy` says they
    /// are in use.
    pub fn expire(&mut self, now: u64, busy: impl Fn(&WireId) -> bool) {
        let expired: Vec<WireId> = self
            .encrypted
            .iter()
            .filter(|(id, s)| self.idle_past_ttl(s, now) && !busy(id))
            .map(|(id, _)| id.clone())
            .collect();
        for id in &expired {
            self.remove_encrypted(id);
        }
    }

    /// [`expire`](Self::expire) for the one session `id`.
    pub fn expire_one(&mut self, id: &WireId, now: u64, busy: bool) {
        let expired = self
            .encrypted
            .get(id)
            .is_some_and(|s| !busy && self.idle_past_ttl(s, now));
        if expired {
            self.remove_encrypted(id);
        }
    }

    fn idle_past_ttl(&self, session: &EncryptedSession, now: u64) -> bool {
        let ttl = self.endpoint.config().limits.session_ttl_secs;
        now.saturating_sub(session.session.last_activity) >= ttl
    }
}

impl Sessions {
    /// Drops every session (keys zeroized) and gives back their slots.
    pub fn clear(&mut self) {
        self.endpoint.release_sessions(true, self.encrypted.len());
        self.endpoint.release_sessions(false, self.plaintext.len());
        self.encrypted.clear();
        self.plaintext.clear();
    }
}

impl Drop for Sessions {
    fn drop(&mut self) {
        self.clear();
    }
}
