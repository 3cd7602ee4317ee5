//! Opening sessions: encrypted and plaintext inits, their limits, and session accounting.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use confide_core::e2ee::wire::{PlainSessionInitFrame, SessionInitAckFrame, SessionInitFrame};
use confide_core::e2ee::{HostFrame, WireId};
use confide_core::{Error, ErrorCode, Result};
use tracing::{debug, warn};

use super::{Connection, Outgoing, SessionMeta, unix_now};

impl Connection {
    pub(super) fn encrypted_init(&mut self, init: SessionInitFrame) -> Result<Vec<Outgoing>> {
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

    pub(super) fn plaintext_init(&mut self, init: PlainSessionInitFrame) -> Result<Vec<Outgoing>> {
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

    pub(super) fn refuse_plaintext_when_required(&self) -> Result<()> {
        if self.state.config.policy.require_encryption {
            return Err(Error::new(
                ErrorCode::EncryptionRequired,
                "this host requires encrypted sessions (encrypted_session_init)",
            ));
        }
        Ok(())
    }

    pub(super) fn check_new_session_capacity(&self) -> Result<()> {
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

    pub(super) fn cancel_generations_of(&mut self, session_id: &WireId) {
        self.generations.retain(|(session, _), generation| {
            let keep = session != session_id;
            if !keep {
                generation.cancel.cancel();
            }
            keep
        });
    }

    /// Brings the process-wide session count and gauges in line with this connection's sessions.
    pub(super) fn sync_session_counts(&mut self) {
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
