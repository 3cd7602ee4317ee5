//! Prompts: opening encrypted ones, routing plaintext ones, authorizing signed requests, admitting
//! generations, and cancels.

use super::Connection;
use super::sessions::EncryptedSession;
use crate::crypto::Address;
use crate::e2ee::wire::{EncryptedMessageFrame, PlainPromptFrame};
use crate::e2ee::{PromptRequest, WireId};
use crate::error::{Error, ErrorCode, Result};
use crate::host::generation::ActiveGeneration;
use crate::host::output::{GenerationId, GenerationStart, Output};

/// Who sent a prompt, for the checks of a signed request.
struct PromptOrigin {
    session_id: WireId,
    request_id: Option<WireId>,
    client: Option<Address>,
    session_model: Option<String>,
}

impl Connection {
    /// An `encrypted_message`: open it (counter, nonce, decrypt), authorize, admit, start.
    pub(super) fn encrypted_message(
        &mut self,
        message: EncryptedMessageFrame,
        now: u64,
        out: &mut Vec<Output>,
    ) -> Result<()> {
        let session = self.live_session(&message.session_id, now)?;
        let opened = session.session.open_message(message.payload.as_ref())?;
        self.auth_failures = 0;
        self.keep_remembered(&message.session_id, now)?;
        let session = self.live_session(&message.session_id, now)?;
        let origin = PromptOrigin {
            session_id: message.session_id,
            request_id: message.id,
            client: Some(session.session.client_address()),
            session_model: session.session.model_name().map(str::to_owned),
        };
        let start = self.admit(origin, opened.request.clone(), true, now)?;
        let session = self.live_session(&start.session_id, now)?;
        session.session.admit(&opened);
        out.push(Output::Start(start));
        Ok(())
    }

    /// A plaintext `prompt` (deprecated). `text` is the frame as received, so a `signed_request`
    /// keeps its bytes.
    pub(super) fn plaintext_prompt(
        &mut self,
        prompt: PlainPromptFrame,
        text: &str,
        now: u64,
        out: &mut Vec<Output>,
    ) -> Result<()> {
        let session_id = self.plaintext_session_of(&prompt)?;
        let request = PromptRequest::parse(text.as_bytes())?;
        let origin = PromptOrigin {
            session_id,
            request_id: prompt.id,
            client: None,
            session_model: None,
        };
        let start = self.admit(origin, request, false, now)?;
        out.push(Output::Start(start));
        Ok(())
    }

    /// The plaintext session a `prompt` is for: its `session_id`, or else the connection's one
    /// plaintext session (the one with the prompt's `jobId` when there are several).
    fn plaintext_session_of(&self, prompt: &PlainPromptFrame) -> Result<WireId> {
        self.endpoint.refuse_plaintext_when_required()?;
        let session_id = match &prompt.session_id {
            Some(session_id) => session_id.clone(),
            None => self.sessions.plaintext_by_job(prompt.job_id.as_ref())?,
        };
        if self.sessions.encrypted.contains_key(&session_id) {
            return Err(Error::new(
                ErrorCode::EncryptionRequired,
                "this session is encrypted; send encrypted_message",
            ));
        }
        if !self.sessions.plaintext.contains_key(&session_id) {
            return Err(Error::new(
                ErrorCode::SessionKeyNotFound,
                "no session with this id; send session_init first",
            ));
        }
        Ok(session_id)
    }

    /// `stream_cancel`: stops the generation answering `id`, or every generation of the session
    /// when there is no `id`. The backends report them as cancelled.
    pub(super) fn stream_cancel(
        &mut self,
        session_id: &WireId,
        id: Option<&WireId>,
        out: &mut Vec<Output>,
    ) {
        let mut ids: Vec<GenerationId> = self
            .generations
            .iter()
            .filter(|(_, g)| match id {
                Some(_) => g.answers(session_id, id),
                None => g.session_id == *session_id,
            })
            .map(|(&generation, _)| generation)
            .collect();
        ids.sort_unstable();
        out.extend(ids.into_iter().map(Output::Cancel));
    }

    /// Signed-request authorization, the connection's generation limit and the model: the
    /// generation to start.
    fn admit(
        &mut self,
        origin: PromptOrigin,
        request: PromptRequest,
        encrypted: bool,
        now: u64,
    ) -> Result<GenerationStart> {
        let request_id = origin.request_id.as_ref();
        if self
            .generations
            .values()
            .any(|g| g.answers(&origin.session_id, request_id))
        {
            return Err(Error::new(
                ErrorCode::InvalidMessage,
                "a request with this id is already running in this session",
            ));
        }
        let max = self.endpoint.config().limits.max_generations_per_connection;
        if self.generations.len() >= max {
            return Err(Error::new(
                ErrorCode::RateLimited,
                "too many requests running on this connection",
            ));
        }
        let admitted =
            self.endpoint
                .admit_request(request, origin.client, origin.session_model, now)?;
        let mut generation = ActiveGeneration::new(
            origin.session_id.clone(),
            origin.request_id.clone(),
            encrypted,
            admitted.model.clone(),
        );
        generation.context_window = admitted.context_window;
        generation.max_tokens_capped = admitted.max_tokens_capped;
        let id = GenerationId(self.next_generation);
        self.next_generation += 1;
        self.generations.insert(id, generation);
        Ok(GenerationStart {
            id,
            session_id: origin.session_id,
            request_id: origin.request_id,
            model: admitted.model,
            request: admitted.request,
            encrypted,
        })
    }

    /// The live encrypted session `session_id`, touched at `now`; an unknown or idle-expired one
    /// is `SESSION_KEY_NOT_FOUND`.
    pub(super) fn live_session(
        &mut self,
        session_id: &WireId,
        now: u64,
    ) -> Result<&mut EncryptedSession> {
        let busy = super::generating_for(&self.generations, session_id);
        self.sessions.expire_one(session_id, now, busy);
        let session = self.sessions.encrypted.get_mut(session_id).ok_or_else(|| {
            Error::new(
                ErrorCode::SessionKeyNotFound,
                "no encrypted session with this id (never initialised, expired or closed)",
            )
        })?;
        // A clock that steps back never shortens a session's life.
        session.session.last_activity = session.session.last_activity.max(now);
        Ok(session)
    }

    /// Keeps the inits that keyed a session in use remembered host-wide for longer than the session
    /// can still live (E2EE.md §1: none of them may replay while it lives).
    fn keep_remembered(&mut self, session_id: &WireId, now: u64) -> Result<()> {
        let ttl = self.endpoint.config().limits.session_ttl_secs;
        let endpoint = std::sync::Arc::clone(&self.endpoint);
        let Some(session) = self.sessions.encrypted.get_mut(session_id) else {
            return Ok(());
        };
        if session.fingerprints.is_empty() || session.remembered_until >= now.saturating_add(ttl) {
            return Ok(());
        }
        let until = now.saturating_add(2 * ttl);
        for fingerprint in &session.fingerprints {
            match endpoint.replay().extend(*fingerprint, until, now) {
                Ok(()) => {}
                // A shared store that is down refuses every new init anyway; the session keeps
                // working and the next prompt extends again.
                Err(error) if error.code() == ErrorCode::ReplayStoreUnavailable => return Ok(()),
                Err(error) => return Err(error),
            }
        }
        session.remembered_until = until;
        Ok(())
    }
}
