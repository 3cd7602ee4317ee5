//! Responses: generation events turned into sealed (or plaintext) chunks, the encrypted final,
//! `stream_end` and the signed usage receipt.

use rand_core::CryptoRng;

use super::Connection;
use crate::e2ee::wire::{StreamChunkFrame, StreamEndFrame};
use crate::e2ee::{HostFrame, Usage};
use crate::error::Result;
use crate::host::generation::{ActiveGeneration, ReadyChunk};
use crate::host::output::{FinishReason, GenerationEvent, GenerationId, Output};
use crate::host::receipt::sign_receipt;
use crate::signed::UsageRecord;

impl Connection {
    /// Turns one event of a running generation into frames.
    pub(super) fn respond(
        &mut self,
        id: GenerationId,
        event: GenerationEvent,
        now: u64,
        rng: &mut (impl CryptoRng + ?Sized),
        out: &mut Vec<Output>,
    ) {
        let result = match event {
            GenerationEvent::Text { text, tokens } => {
                let generation = self
                    .generations
                    .get_mut(&id)
                    .expect("checked by the caller");
                match generation.push_text(text, u64::from(tokens)) {
                    Some(chunk) => self
                        .chunk_frame(id, chunk, false, now, rng)
                        .map(|f| out.push(f)),
                    None => Ok(()),
                }
            }
            GenerationEvent::Finished {
                finish_reason,
                prompt_tokens,
                completion_tokens,
            } => {
                let usage = Usage::new(prompt_tokens, completion_tokens);
                self.finish(id, finish_reason, usage, now, rng, out)
            }
            GenerationEvent::Failed(error) => Err(error),
        };
        if let Err(error) = result
            && let Some(generation) = self.generations.remove(&id)
        {
            out.push(Output::Cancel(id));
            self.send_error(
                out,
                &error,
                Some(generation.session_id),
                generation.request_id,
            );
        }
    }

    fn chunk_frame(
        &mut self,
        id: GenerationId,
        chunk: ReadyChunk,
        is_final: bool,
        now: u64,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Output> {
        let generation = &self.generations[&id];
        let (session_id, request_id) =
            (generation.session_id.clone(), generation.request_id.clone());
        let frame = if generation.encrypted {
            let session = self.live_session(&session_id, now)?;
            session.session.seal_chunk(
                rng,
                request_id.as_ref(),
                chunk.index,
                &chunk.text,
                chunk.tokens,
                is_final,
            )
        } else {
            HostFrame::StreamChunk(StreamChunkFrame {
                session_id: Some(session_id),
                id: request_id,
                content: chunk.text,
                tokens: chunk.tokens,
                index: chunk.index,
            })
            .to_json()
        };
        Ok(Output::Frame(frame))
    }

    /// The last chunk, the encrypted final (encrypted sessions), and `stream_end` with the receipt.
    fn finish(
        &mut self,
        id: GenerationId,
        finish_reason: FinishReason,
        usage: Usage,
        now: u64,
        rng: &mut (impl CryptoRng + ?Sized),
        out: &mut Vec<Output>,
    ) -> Result<()> {
        let last = self
            .generations
            .get_mut(&id)
            .and_then(ActiveGeneration::take_last);
        if let Some(chunk) = last {
            out.push(self.chunk_frame(id, chunk, true, now, rng)?);
        }
        let generation = self.generations.remove(&id).expect("checked by the caller");
        let usage = Usage {
            context_window_size: generation.context_window,
            ..usage
        };
        let (client_address, job_id, chain_id) = if generation.encrypted {
            let session = self.live_session(&generation.session_id, now)?;
            let sealed = session.session.seal_final(
                rng,
                generation.request_id.as_ref(),
                finish_reason.as_str(),
            );
            out.push(Output::Frame(sealed));
            (
                session.session.client_address().to_checksum(),
                session.session.job_id().map(str::to_owned),
                session.chain_id,
            )
        } else {
            let session = self
                .sessions
                .plaintext
                .get(&generation.session_id)
                .cloned()
                .unwrap_or_default();
            (
                String::new(),
                session.job_id.map(|j| j.to_string()),
                session.chain_id,
            )
        };
        let receipt = self.endpoint.host_key().map(|key| {
            let record = UsageRecord {
                session_id: generation.session_id.to_string(),
                job_id,
                chain_id,
                model: generation.model.clone().unwrap_or_default(),
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
                response_sha256: generation.hasher.finish_hex(),
                client_address,
                timestamp: now,
            };
            sign_receipt(record, key, rng)
        });
        let reason = match finish_reason {
            FinishReason::Cancelled => "cancelled",
            FinishReason::Stop | FinishReason::Length => "complete",
        };
        let end = StreamEndFrame {
            session_id: Some(generation.session_id),
            id: generation.request_id,
            reason: reason.to_owned(),
            finish_reason: Some(finish_reason.as_str().to_owned()),
            tokens_used: usage.completion_tokens,
            usage: Some(usage),
            max_tokens_capped: generation.max_tokens_capped,
            receipt,
        };
        out.push(Output::Frame(HostFrame::StreamEnd(end).to_json()));
        Ok(())
    }
}
