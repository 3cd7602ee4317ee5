//! Running the engine's generations on a backend: the inference request for a prompt, the task
//! that forwards the backend's events to the connection, and the protocol error for an engine
//! failure.

use confide_core::e2ee::PromptRequest;
use confide_core::host::{self, GenerationId};
use confide_core::{Error, ErrorCode, ErrorDetail};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::init_pool::StreamMark;
use crate::backend::Backend;
use crate::inference::{ChatTurn, EngineError, GenerationEvent, GenerationRequest, PromptInput};

/// An engine event for one of the connection's generations.
pub type GenerationUpdate = (GenerationId, host::GenerationEvent);

/// Default sampling when the request does not say (llama.cpp's defaults).
const DEFAULT_TEMPERATURE: f32 = 0.8;
const DEFAULT_TOP_P: f32 = 0.95;

/// The inference request for a client's prompt.
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

/// The protocol error for an engine failure (no prompt text is ever in these messages); a prompt
/// too long for the context carries both counts, which the error frame reports.
pub fn protocol_error(error: &EngineError) -> Error {
    let code = match *error {
        EngineError::TokenLimitExceeded {
            prompt_tokens,
            context,
        } => {
            return Error::new(ErrorCode::TokenLimitExceeded, error.to_string()).with_detail(
                ErrorDetail::TokenLimit {
                    prompt_tokens: u64::from(prompt_tokens),
                    context_window_size: u64::from(context),
                },
            );
        }
        EngineError::EmptyPrompt | EngineError::ChatTemplate(_) => ErrorCode::InvalidMessage,
        EngineError::Config(_) | EngineError::ModelLoad(_) | EngineError::Inference(_) => {
            ErrorCode::InferenceFailed
        }
    };
    Error::new(code, error.to_string())
}

/// The engine's form of a backend event.
fn engine_event(event: GenerationEvent) -> host::GenerationEvent {
    match event {
        GenerationEvent::Text { text, tokens } => host::GenerationEvent::Text { text, tokens },
        GenerationEvent::Done {
            finish_reason,
            prompt_tokens,
            completion_tokens,
        } => host::GenerationEvent::Finished {
            finish_reason,
            prompt_tokens: u64::from(prompt_tokens),
            completion_tokens: u64::from(completion_tokens),
        },
        GenerationEvent::Failed(error) => host::GenerationEvent::Failed(protocol_error(&error)),
    }
}

/// Starts a task that waits for the backend (a free slot, or the upstream's answer) and forwards
/// its events to `updates`, holding `streaming` (new handshakes yield to it) until it ends. `updates` is unbounded — a generation produces at most `max_tokens`
/// events — so a backend never waits for a client; a connection that goes away drops its receiver,
/// which ends the task and, through the backend's channel, the generation.
pub fn spawn_generation(
    backend: Backend,
    request: GenerationRequest,
    id: GenerationId,
    cancel: CancellationToken,
    updates: mpsc::UnboundedSender<GenerationUpdate>,
    streaming: StreamMark,
) {
    tokio::spawn(async move {
        let _streaming = streaming;
        match backend.generate(request, cancel).await {
            Err(error) => {
                let _ = updates.send((id, host::GenerationEvent::Failed(protocol_error(&error))));
            }
            Ok(mut events) => {
                while let Some(event) = events.recv().await {
                    if updates.send((id, engine_event(event))).is_err() {
                        break;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

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
            error.detail(),
            Some(&ErrorDetail::TokenLimit {
                prompt_tokens: 900,
                context_window_size: 512
            })
        );
        assert_eq!(
            protocol_error(&EngineError::Inference("x".into())).code(),
            ErrorCode::InferenceFailed
        );
    }
}
