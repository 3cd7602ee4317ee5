//! The process-wide llama.cpp backend.
//!
//! `LlamaBackend::init` succeeds once per process, so the backend lives in a `OnceLock` and is never freed.
//! llama.cpp's own logging (which otherwise goes to stderr) is routed to `tracing` first: events with target
//! `llama-cpp-2` (and the llama.cpp function in a `module` field). It is chatty at INFO while loading a model.

use std::sync::OnceLock;

use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::{LogOptions, send_logs_to_tracing};

use super::EngineError;

/// The backend, initialised on first use.
///
/// # Errors
/// [`EngineError::ModelLoad`] if something else in this process already initialised llama.cpp's backend.
pub(crate) fn backend() -> Result<&'static LlamaBackend, EngineError> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            send_logs_to_tracing(LogOptions::default());
            LlamaBackend::init().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| EngineError::ModelLoad(format!("llama.cpp backend: {e}")))
}
