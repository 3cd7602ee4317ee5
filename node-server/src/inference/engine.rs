//! The engine: one model loaded once, a pool of slots (one llama.cpp context and one thread each), and the
//! async entry point that queues a request for a free slot and streams its tokens back.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::generate::{Generation, Sampling};
use super::model::LoadedModel;
use super::slots::{SlotPool, SlotStats};
use super::worker::{ContextSettings, SlotJob, Worker};
use super::{EngineError, FinishReason, GenerationEvent, GenerationRequest};

/// Events buffered per generation before the generating thread waits for its consumer.
pub const EVENT_BUFFER: usize = 16;

/// Most tokens decoded in one llama.cpp call; longer prompts are decoded in chunks.
const MAX_BATCH: u32 = 512;

/// Models smaller than this run each slot on one thread. ggml's thread pool synchronises at every graph
/// node, which costs more than it saves on tiny matrices: the demo model makes ~180 tokens/s with two
/// threads and ~3,800 with one on a 2-core machine.
const SINGLE_THREAD_BELOW_BYTES: u64 = 64 << 20;

/// Threads for each slot's context: the cores shared out between the slots, or one for a tiny model.
fn threads_per_slot(model_bytes: u64, slots: usize) -> i32 {
    if model_bytes < SINGLE_THREAD_BELOW_BYTES {
        return 1;
    }
    let cores = thread::available_parallelism().map_or(1, usize::from);
    i32::try_from((cores / slots).max(1)).unwrap_or(1)
}

/// How to load and run a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// The GGUF file.
    pub model_path: PathBuf,
    /// Context size of each slot in tokens (prompt + completion); `0` or more than the model was trained
    /// with means the model's training context.
    pub ctx_size: u32,
    /// Slots: generations that run at the same time. Each has its own context (KV cache).
    pub parallel: usize,
    /// Upper bound on every request's `max_tokens`.
    pub max_tokens: u32,
}

/// What clients are told about the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// The model's name: the file name without its extension.
    pub id: String,
    /// Tokens one request can use (prompt + completion).
    pub context_length: u32,
}

/// A llama.cpp model with `parallel` slots. `Send + Sync`; share it through an `Arc`.
///
/// Dropping the engine lets each slot thread exit after its current generation; the model is freed when
/// the last of them has.
#[derive(Debug)]
pub struct LlamaEngine {
    model: Arc<LoadedModel>,
    slots: Arc<SlotPool>,
    workers: Vec<Worker>,
    info: ModelInfo,
    max_tokens: u32,
}

impl LlamaEngine {
    /// Loads the model and creates the slots. Blocking (from async code, call it in `spawn_blocking`).
    ///
    /// # Errors
    /// [`EngineError::Config`] for zero slots, [`EngineError::ModelLoad`] when the file is missing or
    /// llama.cpp rejects it or cannot create a context.
    pub fn load(config: EngineConfig) -> Result<Self, EngineError> {
        if config.parallel == 0 {
            return Err(EngineError::Config("parallel must be at least 1".into()));
        }
        let model = Arc::new(LoadedModel::load(&config.model_path)?);
        let trained = model.llama.n_ctx_train();
        let n_ctx = match NonZeroU32::new(config.ctx_size) {
            Some(n) if n.get() <= trained => n,
            requested => {
                if requested.is_some() {
                    tracing::warn!(
                        requested = config.ctx_size,
                        trained,
                        "context size capped at the model's training context"
                    );
                }
                NonZeroU32::new(trained)
                    .ok_or_else(|| EngineError::ModelLoad("the model has no context".into()))?
            }
        };
        let settings = ContextSettings {
            n_ctx,
            n_batch: n_ctx.get().min(MAX_BATCH),
            threads: threads_per_slot(model.llama.size(), config.parallel),
        };
        // One at a time: creating contexts concurrently from one model is unsound in llama.cpp.
        let workers = (0..config.parallel)
            .map(|id| Worker::spawn(Arc::clone(&model), id, settings))
            .collect::<Result<Vec<_>, _>>()?;
        // llama.cpp rounds its context up to a multiple of 256; requests get exactly what was configured.
        let context_length = n_ctx.get();
        let id = config
            .model_path
            .file_stem()
            .map_or_else(|| "model".to_owned(), |s| s.to_string_lossy().into_owned());
        tracing::info!(
            model = %id,
            context_length,
            slots = config.parallel,
            threads_per_slot = settings.threads,
            "model loaded"
        );
        Ok(Self {
            model,
            slots: Arc::new(SlotPool::new(config.parallel)),
            workers,
            info: ModelInfo { id, context_length },
            max_tokens: config.max_tokens,
        })
    }

    /// The model's id and context length.
    #[must_use]
    pub fn model_info(&self) -> ModelInfo {
        self.info.clone()
    }

    /// The most tokens one request may generate.
    #[must_use]
    pub fn max_tokens(&self) -> u32 {
        self.max_tokens
    }

    /// How many slots are busy and how many requests wait for one.
    #[must_use]
    pub fn slot_stats(&self) -> SlotStats {
        self.slots.stats()
    }

    /// Starts a generation on a free slot, waiting (asynchronously, first come first served) while all are
    /// busy. Events arrive through a bounded channel ([`EVENT_BUFFER`]): a consumer that does not read
    /// pauses its own generation only. Cancelling `cancel` or dropping the receiver stops the generation
    /// within one token and frees the slot; after a cancel the stream still ends with
    /// `Done { finish_reason: Cancelled, .. }`, so keep reading (or drop the receiver). A request cancelled
    /// while it waits for a slot gets that `Done` at once.
    ///
    /// # Errors
    /// [`EngineError::TokenLimitExceeded`] when the prompt does not fit in a slot's context,
    /// [`EngineError::ChatTemplate`] when chat messages cannot be rendered, [`EngineError::EmptyPrompt`],
    /// and [`EngineError::Inference`] if the slot's thread is gone.
    ///
    /// # Panics
    /// Outside a Tokio runtime (tokenizing runs in `spawn_blocking`).
    pub async fn generate(
        &self,
        request: GenerationRequest,
        cancel: CancellationToken,
    ) -> Result<mpsc::Receiver<GenerationEvent>, EngineError> {
        let sampling = Sampling::new(&request);
        let max_tokens = request.capped_max_tokens(self.max_tokens);
        let model = Arc::clone(&self.model);
        let prompt = tokio::task::spawn_blocking(move || model.tokenize(&request.prompt))
            .await
            .map_err(|_| EngineError::Inference("tokenizing the prompt panicked".into()))??;
        let prompt_tokens = u32::try_from(prompt.len()).unwrap_or(u32::MAX);
        let context = self.info.context_length;
        if prompt_tokens > context {
            return Err(EngineError::TokenLimitExceeded {
                prompt_tokens,
                context,
            });
        }
        let (events, receiver) = mpsc::channel(EVENT_BUFFER);
        let Some(lease) = cancel.run_until_cancelled(self.slots.acquire()).await else {
            let done = GenerationEvent::Done {
                finish_reason: FinishReason::Cancelled,
                prompt_tokens,
                completion_tokens: 0,
            };
            events
                .try_send(done)
                .expect("a new channel has room for one event");
            return Ok(receiver);
        };
        let worker = &self.workers[lease.id()];
        worker.submit(SlotJob {
            lease,
            generation: Generation {
                prompt,
                sampling,
                max_tokens,
                context_length: context,
                cancel,
                events,
            },
        })?;
        Ok(receiver)
    }
}
