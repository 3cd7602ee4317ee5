//! What the engine asks its driver to do, and what the driver reports back about generations.

use std::fmt;

use super::init::InitJob;
use crate::e2ee::{PromptRequest, SignatureScheme, WireId};
use crate::error::{Error, ErrorCode};

/// Identifies one generation within its connection. Never reused on that connection, so events of
/// a generation that was cancelled (by a re-key, say) can never land in a newer one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GenerationId(pub u64);

/// A generation the driver must start (with its inference backend) and report on through
/// [`Connection::handle_generation`](super::Connection::handle_generation). `Debug` shows no
/// prompt text.
#[derive(Debug)]
pub struct GenerationStart {
    /// The generation's id.
    pub id: GenerationId,
    /// The session it answers.
    pub session_id: WireId,
    /// The request id it answers.
    pub request_id: Option<WireId>,
    /// The model to run, resolved against the configured models (`None`: the driver's default).
    pub model: Option<String>,
    /// What to generate (for signed requests: the signed content).
    pub request: PromptRequest,
    /// Whether the session is encrypted.
    pub encrypted: bool,
}

/// Something observable for metrics and logs (never plaintext or keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observation {
    /// A frame of this `type` arrived.
    FrameReceived(&'static str),
    /// An error frame with this code is being sent.
    Error(ErrorCode),
    /// An encrypted session was accepted with this scheme (or re-keyed).
    EncryptedSessionOpened(SignatureScheme),
    /// A plaintext session was opened (deprecated mode).
    PlaintextSessionOpened,
}

/// One thing for the driver to do, in order.
#[derive(Debug)]
#[must_use]
pub enum Output {
    /// Send this text frame.
    Frame(String),
    /// Send a Close frame with this code and reason, then stop reading (after the closing
    /// handshake) and drop the connection.
    Close {
        /// WebSocket close code (1008, 1009, …).
        code: u16,
        /// Short reason.
        reason: &'static str,
    },
    /// Start a generation.
    Start(GenerationStart),
    /// Stop a generation; its backend should report [`GenerationEvent::Finished`] with
    /// [`FinishReason::Cancelled`] (or nothing: the engine has already forgotten it when it was
    /// cancelled by a re-key or a close).
    Cancel(GenerationId),
    /// Run this handshake cryptography off the event loop (e.g. a bounded blocking pool) and pass
    /// its outcome to [`Connection::complete_init`](super::Connection::complete_init). Frames that
    /// arrive meanwhile are queued by the engine.
    RunInit(InitJob),
    /// For metrics and logs.
    Observe(Observation),
}

/// Why a generation stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinishReason {
    /// The model ended its answer.
    Stop,
    /// `max_tokens` was reached.
    Length,
    /// A cancel, disconnect or shutdown stopped it.
    Cancelled,
}

impl FinishReason {
    /// The wire form: `stop`, `length` or `cancelled`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Stop => "stop",
            Self::Length => "length",
            Self::Cancelled => "cancelled",
        }
    }
}

/// What a generation produced, reported by the driver.
pub enum GenerationEvent {
    /// New text (valid UTF-8) completing `tokens` tokens.
    Text {
        /// The text.
        text: String,
        /// Tokens it completes.
        tokens: u32,
    },
    /// The generation ended.
    Finished {
        /// Why.
        finish_reason: FinishReason,
        /// Tokens in the prompt.
        prompt_tokens: u64,
        /// Tokens generated.
        completion_tokens: u64,
    },
    /// The generation failed; the error's message must carry no prompt text.
    Failed(Error),
}

impl fmt::Debug for GenerationEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text { text, tokens } => f
                .debug_struct("Text")
                .field("bytes", &text.len())
                .field("tokens", tokens)
                .finish(),
            Self::Finished {
                finish_reason,
                prompt_tokens,
                completion_tokens,
            } => f
                .debug_struct("Finished")
                .field("finish_reason", finish_reason)
                .field("prompt_tokens", prompt_tokens)
                .field("completion_tokens", completion_tokens)
                .finish(),
            Self::Failed(error) => f.debug_tuple("Failed").field(&error.code()).finish(),
        }
    }
}
