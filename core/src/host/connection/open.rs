//! Opening sessions: encrypted inits (checks before the cryptography, the job, and admission after
//! it) and plaintext inits.

use std::sync::Arc;

use super::Connection;
use super::sessions::{EncryptedSession, PlaintextSession};
use crate::e2ee::wire::{PlainSessionInitFrame, SessionInitAckFrame, SessionInitFrame};
use crate::e2ee::{HostFrame, HostSession};
use crate::error::{Error, ErrorCode, Result};
use crate::host::init::{InitJob, InitOutcome, VerifiedHandshake, already_accepted};
use crate::host::output::{Observation, Output};
use crate::host::replay_memory::InitFingerprint;

/// Re-keys of one session by inits without a `timestamp` (each is remembered while the session
/// lives); past it the client opens a new session id.
const MAX_REKEYS: usize = 64;

impl Connection {
    /// The cheap checks of an `encrypted_session_init`, then its cryptography as a job.
    pub(super) fn begin_init(
        &mut self,
        init: SessionInitFrame,
        now_ms: u64,
        out: &mut Vec<Output>,
    ) -> Result<()> {
        if self.endpoint.host_key().is_none() {
            return Err(Error::new(
                ErrorCode::EncryptionNotSupported,
                "this host has no key; use the plaintext session_init",
            ));
        }
        if self.sessions.plaintext.contains_key(&init.session_id) {
            return Err(session_id_in_use());
        }
        if !self.sessions.encrypted.contains_key(&init.session_id) {
            self.sessions.check_room()?;
        }
        self.endpoint.take_init_budget(now_ms)?;
        self.init_pending = true;
        out.push(Output::RunInit(InitJob::new(
            Arc::clone(&self.endpoint),
            init,
            now_ms / 1000,
        )));
        Ok(())
    }

    /// Admits a verified init: id ownership, capacity, then the host-wide replay record (only now,
    /// so a refused init costs no replay memory), and the ack.
    pub(super) fn finish_init(&mut self, outcome: InitOutcome, now: u64, out: &mut Vec<Output>) {
        let InitOutcome { frame, result } = outcome;
        match result.and_then(|handshake| self.admit_init(&frame, handshake, now, out)) {
            Ok(()) => self.auth_failures = 0,
            Err(error) => self.reject(out, &error, Some(frame.session_id), frame.id),
        }
    }

    fn admit_init(
        &mut self,
        frame: &SessionInitFrame,
        handshake: VerifiedHandshake,
        now: u64,
        out: &mut Vec<Output>,
    ) -> Result<()> {
        let VerifiedHandshake {
            init,
            fingerprint,
            timestamped,
        } = handshake;
        let client_address = init.client_address;
        let existing = self.sessions.encrypted.get(&frame.session_id);
        if existing.is_some_and(|s| s.session.client_address() != client_address) {
            return Err(session_id_in_use());
        }
        if existing.is_some_and(|s| !timestamped && s.fingerprints.len() >= MAX_REKEYS) {
            return Err(Error::new(
                ErrorCode::TooManySessions,
                format!("a session may be re-keyed {MAX_REKEYS} times; open a new session id"),
            ));
        }
        let rekey = existing.is_some();
        if !rekey {
            self.sessions.check_room()?;
            self.endpoint.reserve_session(true)?;
        }
        let remembered_until = self.replay_window(init.data.timestamp.filter(|_| timestamped), now);
        if let Err(error) = self.record_fingerprint(fingerprint, remembered_until, now) {
            if !rekey {
                self.endpoint.release_sessions(true, 1);
            }
            return Err(error);
        }
        out.push(Output::Observe(Observation::EncryptedSessionOpened(
            init.scheme,
        )));
        let chain_id = init.data.chain_id.or(frame.chain_id);
        let max_messages = self.endpoint.config().limits.max_messages_per_session;
        let session = HostSession::new(frame.session_id.clone(), init, now, max_messages);
        let fingerprints = if timestamped {
            Vec::new()
        } else {
            vec![fingerprint]
        };
        if rekey {
            let session_id = &frame.session_id;
            out.append(&mut self.cancel_where(|g| g.session_id == *session_id));
            let entry = self
                .sessions
                .encrypted
                .get_mut(session_id)
                .expect("checked above");
            entry.session = session;
            entry.chain_id = chain_id;
            entry.fingerprints.extend(fingerprints);
            entry.remembered_until = entry.remembered_until.min(remembered_until);
        } else {
            let entry = EncryptedSession {
                session,
                chain_id,
                fingerprints,
                remembered_until,
            };
            self.sessions
                .insert_encrypted(frame.session_id.clone(), entry);
        }
        let ack = SessionInitAckFrame::new(
            frame.session_id.clone(),
            frame.job_id.clone(),
            frame.chain_id,
            frame.id.clone(),
            Some(&client_address),
        );
        out.push(Output::Frame(HostFrame::SessionInitAck(ack).to_json()));
        Ok(())
    }

    /// Until when an init must be remembered: past its freshness window when it carried a
    /// `timestamp` (later it is stale anyway), else twice the session TTL (extended while the
    /// session is used).
    fn replay_window(&self, timestamp: Option<u64>, now: u64) -> u64 {
        let limits = &self.endpoint.config().limits;
        match timestamp {
            Some(sent) => sent.saturating_add(limits.init_freshness_secs + 1),
            None => now.saturating_add(2 * limits.session_ttl_secs),
        }
    }

    fn record_fingerprint(&self, fingerprint: InitFingerprint, until: u64, now: u64) -> Result<()> {
        let fresh = self
            .endpoint
            .replay()
            .insert_if_absent(fingerprint, until, now)?;
        if fresh {
            Ok(())
        } else {
            Err(already_accepted())
        }
    }

    /// A plaintext `session_init` (deprecated, E2EE.md §4).
    pub(super) fn plaintext_init(
        &mut self,
        init: PlainSessionInitFrame,
        out: &mut Vec<Output>,
    ) -> Result<()> {
        self.endpoint.refuse_plaintext_when_required()?;
        if self.sessions.encrypted.contains_key(&init.session_id) {
            return Err(session_id_in_use());
        }
        self.sessions.insert_plaintext(
            init.session_id.clone(),
            PlaintextSession {
                job_id: init.job_id.clone(),
                chain_id: init.chain_id,
            },
        )?;
        out.push(Output::Observe(Observation::PlaintextSessionOpened));
        let ack =
            SessionInitAckFrame::new(init.session_id, init.job_id, init.chain_id, init.id, None);
        out.push(Output::Frame(HostFrame::SessionInitAck(ack).to_json()));
        Ok(())
    }
}

fn session_id_in_use() -> Error {
    Error::new(
        ErrorCode::SessionIdInUse,
        "session id is already used by another session or client",
    )
}
