//! What a caller asks for and what it gets back.

/// The prompt of a generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptInput {
    /// Raw text, tokenized as is. Control-token markup in it (such as `<|im_start|>`) stays plain text.
    Text(String),
    /// Chat messages, rendered with the model's chat template (ChatML when the model has none), with the
    /// assistant turn opened at the end.
    Chat(Vec<ChatTurn>),
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatTurn {
    /// `system`, `user`, `assistant`, …
    pub role: String,
    /// The message text.
    pub content: String,
}

/// One generation request.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationRequest {
    /// The prompt.
    pub prompt: PromptInput,
    /// Most tokens to generate; `None` or anything above the engine's `max_tokens` means the engine's limit.
    pub max_tokens: Option<u32>,
    /// Sampling temperature; `0` (or anything not above `0`) means greedy decoding.
    pub temperature: f32,
    /// Nucleus sampling mass, applied after the temperature; `1` (or more) disables it.
    pub top_p: f32,
    /// Seed for sampling (reproducible output for the same seed and prompt); `None` draws a random one.
    /// llama.cpp seeds are 32 bits: the two halves are combined by XOR.
    pub seed: Option<u64>,
}

impl GenerationRequest {
    /// Tokens to generate at most: the request's `max_tokens` or `limit`, whichever is smaller.
    #[must_use]
    pub fn capped_max_tokens(&self, limit: u32) -> u32 {
        self.max_tokens.map_or(limit, |n| n.min(limit))
    }
}

/// Why a generation ended (the host engine's type: the protocol's `stop`, `length`, `cancelled`).
pub use confide_core::host::FinishReason;

/// One item of a generation's stream. A stream is zero or more [`Text`](Self::Text) items and then exactly one
/// [`Done`](Self::Done) or [`Failed`](Self::Failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GenerationEvent {
    /// Newly generated text: always valid UTF-8 and never empty.
    Text {
        /// The text.
        text: String,
        /// Tokens this text accounts for, at least one: those generated since the previous text. Text only
        /// ends at a character boundary, so a character split across tokens arrives whole, with all of them.
        /// The sum over a stream equals `Done::completion_tokens`, except for trailing tokens that render
        /// as nothing (control tokens).
        tokens: u32,
    },
    /// The generation ended normally or was cancelled.
    Done {
        /// Why it ended.
        finish_reason: FinishReason,
        /// Tokens in the prompt (after the chat template).
        prompt_tokens: u32,
        /// Tokens generated, end-of-generation token excluded.
        completion_tokens: u32,
    },
    /// llama.cpp (or the OpenAI-compatible upstream) failed in the middle of the generation.
    Failed(super::EngineError),
}
