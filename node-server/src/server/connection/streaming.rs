//! Prompts and their responses: starting generations, sealing chunks, the final frames and the
//! signed receipt.

use std::time::Instant;

use confide_core::e2ee::wire::{
    EncryptedMessageFrame, PlainPromptFrame, StreamChunkFrame, StreamEndFrame,
};
use confide_core::e2ee::{HostFrame, PromptRequest, Usage};
use confide_core::signed::UsageRecord;
use confide_core::{Error, ErrorCode, Result};

use crate::receipt::sign_receipt;
use crate::server::generation::{
    ActiveGeneration, GenerationKey, ReadyChunk, generation_request, spawn_generation,
};

use super::{Connection, Outgoing, unix_now};

impl Connection {
    pub(super) fn encrypted_message(
        &mut self,
        message: EncryptedMessageFrame,
    ) -> Result<Vec<Outgoing>> {
        let now = unix_now();
        let session = self.store.session_mut(&message.session_id, now)?;
        let prompt = session.open_message(message.payload.as_ref())?;
        let client = session.client_address();
        let session_model = session.model_name().map(str::to_owned);
        self.auth_failures = 0;
        let prompt =
            self.state
                .signed_requests
                .authorize(prompt, Some(client), self.host_address(), now)?;
        let model = prompt.model.clone().or(session_model);
        self.start_generation((message.session_id, message.id), &prompt, true, model)
    }

    /// A plaintext prompt; `text` is the frame as received (the request is read from it directly so
    /// a `signed_request` keeps its bytes).
    pub(super) fn plaintext_prompt(
        &mut self,
        prompt: PlainPromptFrame,
        text: &str,
    ) -> Result<Vec<Outgoing>> {
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
        let request = PromptRequest::parse(text.as_bytes())?;
        let request =
            self.state
                .signed_requests
                .authorize(request, None, self.host_address(), unix_now())?;
        let model = request.model.clone();
        self.start_generation((prompt.session_id, prompt.id), &request, false, model)
    }

    fn host_address(&self) -> Option<confide_core::crypto::Address> {
        self.state.host_key.as_ref().map(|key| key.address())
    }

    pub(super) fn start_generation(
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

    pub(super) fn chunk_frame(
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

    pub(super) fn finish(
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
}
