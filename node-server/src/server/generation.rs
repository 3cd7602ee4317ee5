//! Running generations of one connection: starting them off the connection task, and the
//! bookkeeping that turns engine events into numbered chunks (the last one marked final).

use std::time::Instant;

use confide_core::e2ee::{PromptRequest, WireId};
use confide_core::{Error, ErrorCode};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::backend::Backend;
use crate::inference::{ChatTurn, EngineError, GenerationEvent, GenerationRequest, PromptInput};
use crate::receipt::ResponseHasher;

/// A generation is identified by its session and request id.
pub type GenerationKey = (WireId, Option<WireId>);

/// An engine event for one of the connection's generations.
#[derive(Debug)]
pub struct GenerationUpdate {
    /// Which generation.
    pub key: GenerationKey,
    /// What happened.
    pub event: GenerationEvent,
}

/// Default sampling when the request does not say (llama.cpp's defaults).
const DEFAULT_TEMPERATURE: f32 = 0.8;
const DEFAULT_TOP_P: f32 = 0.95;

/// The engine request for a client's prompt.
pub fn generation_request(prompt: &PromptRequest) -> GenerationRequest {
    let input = match (&prompt.messages, &prompt.prompt) {
        (Some(messages), _) => PromptInput::Chat(
            messages
                .iter()
                .map(|m| ChatTurn {
                    role: m.role.clone(),
                    content: m.content.clone(),
                })
                .collect(),
        ),
        (None, text) => PromptInput::Text(text.clone().unwrap_or_default()),
    };
    GenerationRequest {
        prompt: input,
        max_tokens: prompt.max_tokens,
        temperature: prompt.temperature.unwrap_or(DEFAULT_TEMPERATURE),
        top_p: prompt.top_p.unwrap_or(DEFAULT_TOP_P),
        seed: prompt.seed,
    }
}

/// The protocol error for an engine failure (no prompt text is ever in these messages).
pub fn protocol_error(error: &EngineError) -> Error {
    let code = match error {
        EngineError::TokenLimitExceeded { .. } => ErrorCode::TokenLimitExceeded,
        EngineError::EmptyPrompt | EngineError::ChatTemplate(_) => ErrorCode::InvalidMessage,
        EngineError::Config(_) | EngineError::ModelLoad(_) | EngineError::Inference(_) => {
            ErrorCode::InferenceFailed
        }
    };
    Error::new(code, error.to_string())
}

/// Starts a task that waits for the backend (a free slot, or the upstream's answer) and forwards
/// its events to `updates`. A connection that goes away drops its receiver, which ends the task
/// and, through the backend's channel, the generation.
pub fn spawn_generation(
    backend: Backend,
    request: GenerationRequest,
    key: GenerationKey,
    cancel: CancellationToken,
    updates: mpsc::Sender<GenerationUpdate>,
) {
    tokio::spawn(async move {
        match backend.generate(request, cancel).await {
            Err(error) => {
                let event = GenerationEvent::Failed(error);
                let _ = updates.send(GenerationUpdate { key, event }).await;
            }
            Ok(mut events) => {
                while let Some(event) = events.recv().await {
                    let update = GenerationUpdate {
                        key: key.clone(),
                        event,
                    };
                    if updates.send(update).await.is_err() {
                        break;
                    }
                }
            }
        }
    });
}

/// A chunk ready to send: its index, text and token count.
#[derive(Debug, PartialEq, Eq)]
pub struct ReadyChunk {
    /// Index within the response, from 0.
    pub index: u64,
    /// The text.
    pub text: String,
    /// Tokens it completes.
    pub tokens: u64,
}

/// One running generation. Holds back the newest chunk until the next one (or the end) arrives, so
/// the last chunk can be marked `final`.
#[derive(Debug)]
pub struct ActiveGeneration {
    /// Cancels the generation (stream_cancel, disconnect, shutdown).
    pub cancel: CancellationToken,
    /// Whether the session is encrypted.
    pub encrypted: bool,
    /// The model serving it.
    pub model: String,
    /// SHA-256 over the whole response, for the receipt.
    pub hasher: ResponseHasher,
    /// When the prompt arrived.
    pub started: Instant,
    /// When the first text arrived.
    pub first_text: Option<Instant>,
    next_index: u64,
    held: Option<(String, u64)>,
}

impl ActiveGeneration {
    /// A generation that has produced nothing yet.
    pub fn new(cancel: CancellationToken, encrypted: bool, model: String, now: Instant) -> Self {
        Self {
            cancel,
            encrypted,
            model,
            hasher: ResponseHasher::default(),
            started: now,
            first_text: None,
            next_index: 0,
            held: None,
        }
    }

    /// Takes new text; returns the previously held chunk, now known not to be the last.
    pub fn push_text(&mut self, text: String, tokens: u64, now: Instant) -> Option<ReadyChunk> {
        self.first_text.get_or_insert(now);
        self.hasher.update(&text);
        self.held
            .replace((text, tokens))
            .map(|(text, tokens)| self.number(text, tokens))
    }

    /// The held chunk, which is the last one.
    pub fn take_last(&mut self) -> Option<ReadyChunk> {
        self.held
            .take()
            .map(|(text, tokens)| self.number(text, tokens))
    }

    fn number(&mut self, text: String, tokens: u64) -> ReadyChunk {
        let index = self.next_index;
        self.next_index += 1;
        ReadyChunk {
            index,
            text,
            tokens,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_back_one_chunk_so_the_last_can_be_final() {
        let now = Instant::now();
        let mut generation = ActiveGeneration::new(CancellationToken::new(), true, "m".into(), now);
        assert_eq!(generation.push_text("a".into(), 1, now), None);
        let first = generation.push_text("b".into(), 2, now).unwrap();
        assert_eq!(
            (first.index, first.text.as_str(), first.tokens),
            (0, "a", 1)
        );
        let last = generation.take_last().unwrap();
        assert_eq!((last.index, last.text.as_str()), (1, "b"));
        assert_eq!(generation.take_last(), None);
    }

    #[test]
    fn engine_errors_map_to_protocol_codes() {
        let limit = EngineError::TokenLimitExceeded {
            prompt_tokens: 900,
            context: 512,
        };
        let error = protocol_error(&limit);
        assert_eq!(error.code(), ErrorCode::TokenLimitExceeded);
        assert!(error.message().contains("900") && error.message().contains("512"));
        assert_eq!(
            protocol_error(&EngineError::Inference("x".into())).code(),
            ErrorCode::InferenceFailed
        );
    }
}
