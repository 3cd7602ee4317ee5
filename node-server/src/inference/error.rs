//! The engine's error type.

/// Why the engine could not load a model or run a generation.
///
/// Messages never contain prompt or generated text, so they are safe to log and to send to clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The engine or upstream configuration is unusable (for example zero slots, or an https://
    /// upstream).
    #[error("invalid engine configuration: {0}")]
    Config(String),
    /// The model file could not be read or llama.cpp rejected it (details are in llama.cpp's log).
    #[error("model load failed: {0}")]
    ModelLoad(String),
    /// The prompt does not fit in a slot's context.
    #[error("prompt is {prompt_tokens} tokens, the context holds {context}")]
    TokenLimitExceeded {
        /// Tokens in the (templated) prompt.
        prompt_tokens: u32,
        /// Tokens one slot's context holds.
        context: u32,
    },
    /// The prompt produced no tokens (an empty text on a model that adds no BOS token).
    #[error("prompt is empty")]
    EmptyPrompt,
    /// The chat messages could not be rendered with the model's chat template.
    #[error("chat template: {0}")]
    ChatTemplate(String),
    /// llama.cpp, or the OpenAI-compatible upstream, failed while generating.
    #[error("inference failed: {0}")]
    Inference(String),
}
