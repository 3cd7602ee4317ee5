//! Inference with llama.cpp (through `llama-cpp-2`): one model loaded once, a pool of slots that generate
//! at the same time on their own threads, token streaming through bounded channels, and cancellation.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use confide_node_server::inference::{
//!     EngineConfig, GenerationEvent, GenerationRequest, LlamaEngine, PromptInput, demo_model,
//! };
//! use tokio_util::sync::CancellationToken;
//!
//! let model_path = demo_model::ensure_demo_model(std::path::Path::new("/tmp/confide"))?;
//! let config = EngineConfig { model_path, ctx_size: 512, parallel: 2, max_tokens: 256 };
//! let engine = tokio::task::spawn_blocking(move || LlamaEngine::load(config)).await??;
//! let request = GenerationRequest {
//!     prompt: PromptInput::Text("Hello".into()),
//!     max_tokens: Some(16),
//!     temperature: 0.0,
//!     top_p: 1.0,
//!     seed: None,
//! };
//! let mut events = engine.generate(request, CancellationToken::new()).await?;
//! while let Some(event) = events.recv().await {
//!     match event {
//!         GenerationEvent::Text { text, .. } => print!("{text}"),
//!         GenerationEvent::Done { finish_reason, .. } => println!(" [{}]", finish_reason.as_str()),
//!         GenerationEvent::Failed(error) => eprintln!("{error}"),
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod backend;
pub mod demo_model;
mod engine;
mod error;
mod generate;
mod gguf;
mod model;
mod prompt;
mod request;
mod slots;
mod utf8;
mod worker;

pub use engine::{EVENT_BUFFER, EngineConfig, LlamaEngine, ModelInfo};
pub use error::EngineError;
pub use request::{ChatTurn, FinishReason, GenerationEvent, GenerationRequest, PromptInput};
pub use slots::SlotStats;
