//! [`Backend`]: what generates the text of a served model, the embedded llama.cpp engine or an
//! OpenAI-compatible upstream. The server only talks to this; both stream the same
//! [`GenerationEvent`]s, so E2EE, metering and receipts do not depend on the choice.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::inference::{EngineError, GenerationEvent, GenerationRequest, LlamaEngine, ModelInfo};
use crate::upstream::OpenAiUpstream;

/// A generator of text. Cheap to clone (it shares the engine or upstream).
#[derive(Debug, Clone)]
pub enum Backend {
    /// llama.cpp in this process ([`LlamaEngine`]).
    Llama(Arc<LlamaEngine>),
    /// An OpenAI-compatible server ([`OpenAiUpstream`]).
    OpenAi(Arc<OpenAiUpstream>),
}

impl Backend {
    /// The model's id and context length.
    #[must_use]
    pub fn model_info(&self) -> ModelInfo {
        match self {
            Self::Llama(engine) => engine.model_info(),
            Self::OpenAi(upstream) => upstream.model_info(),
        }
    }

    /// The most tokens one request may generate (`--max-tokens`).
    #[must_use]
    pub fn max_tokens(&self) -> u32 {
        match self {
            Self::Llama(engine) => engine.max_tokens(),
            Self::OpenAi(upstream) => upstream.max_tokens(),
        }
    }

    /// Whether it can generate right now: always for the embedded engine (its model is loaded);
    /// for an upstream, whether its port answers within `timeout`.
    pub async fn is_reachable(&self, timeout: std::time::Duration) -> bool {
        match self {
            Self::Llama(_) => true,
            Self::OpenAi(upstream) => upstream.is_reachable(timeout).await,
        }
    }

    /// Starts a generation; see [`LlamaEngine::generate`] and [`OpenAiUpstream::generate`]. Both
    /// stream through a bounded channel, end with exactly one `Done` or `Failed`, and stop when
    /// `cancel` is cancelled (ending with `Done { finish_reason: Cancelled, .. }`) or the receiver
    /// is dropped.
    ///
    /// # Errors
    /// The backend's errors, as documented on each `generate`.
    pub async fn generate(
        &self,
        request: GenerationRequest,
        cancel: CancellationToken,
    ) -> Result<mpsc::Receiver<GenerationEvent>, EngineError> {
        match self {
            Self::Llama(engine) => engine.generate(request, cancel).await,
            Self::OpenAi(upstream) => upstream.generate(request, cancel).await,
        }
    }
}
